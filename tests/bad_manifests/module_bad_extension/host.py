# not a TypeScript module
