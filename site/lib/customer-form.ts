import { text } from './console';

/** A customer form as the API's body, and as the values to show again when refused. */
export function customerFromForm(form: FormData) {
  const values = {
    name: text(form, 'name'),
    contacts: text(form, 'contacts'),
    planId: text(form, 'plan_id'),
    componentIds: form.getAll('component_ids').map(String),
    anchor: text(form, 'billing_anchor_day'),
  };
  const body = {
    name: values.name,
    contacts: values.contacts.split(/[\s,;]+/).filter(Boolean),
    plan_id: values.planId,
    component_ids: values.componentIds,
    billing_anchor_day: values.anchor === '' ? null : Number(values.anchor),
  };
  return { values, body };
}
