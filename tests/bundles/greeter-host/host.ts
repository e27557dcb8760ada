/**
 * A host bundle for the greeter fixture: `warden:fixtures/host@0.1.0`,
 * greeting "host bundle" and passing the guest's log lines to Warden's log.
 *
 * @module
 */

/** The context Warden gives a bundle's factory (the parts used here). */
interface Context {
  readonly name: string;
  log(message: string): void;
}

/**
 * The bundle's factory.
 *
 * @param context What Warden gives the bundle.
 * @returns The implementation of `warden:fixtures/host`.
 */
export default function createHost(context: Context) {
  return {
    "warden:fixtures/host": {
      log: (msg: string) => context.log(msg),
      getName: () => "host bundle",
    },
  };
}
