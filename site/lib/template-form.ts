import { componentImpacts, text } from './console';

/** A template form as the API's body, and as the values to show again when refused. */
export function templateFromForm(form: FormData) {
  const values = {
    name: text(form, 'name'),
    title: text(form, 'title'),
    body: text(form, 'body'),
    severity: text(form, 'severity'),
    customerVisible: form.get('customer_visible') === '1',
    components: componentImpacts(form),
  };
  const body = {
    name: values.name,
    title: values.title,
    body: values.body,
    severity: values.severity,
    customer_visible: values.customerVisible,
    components: values.components,
  };
  return { values, body };
}
