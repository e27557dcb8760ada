/**
 * The version of the component decoder's output, kept apart from the decoder
 * so that the caches keyed by it do not load the decoder on a warm start.
 *
 * @module
 */

/**
 * The version of `decodeComponentSignature`'s output: bumped whenever it
 * changes for the same bytes, so caches of decoded signatures are not reused
 * across it.
 */
export const SIGNATURE_FORMAT = 1;
