export * from './components.ts';
export * from './incidents.ts';
export * from './keys.ts';
export * from './subscribers.ts';
export * from './customers.ts';
export * from './maintenances.ts';
export * from './users.ts';
export * from './integrations.ts';
