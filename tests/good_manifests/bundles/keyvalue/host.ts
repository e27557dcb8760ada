// The bundle's TypeScript implementation. Manifest tests only check that it
// exists; loading it is the bundle loader's job.
export {};
