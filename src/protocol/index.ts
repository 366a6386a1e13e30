// The door of src/protocol: binary command records and readable event forms.
export * from './command-codec.js';
export * from './event-json.js';
export * from './command-json.js';
