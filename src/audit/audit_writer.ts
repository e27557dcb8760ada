/**
 * Where an audit log's batches go to be sealed, formatted and written:
 * straight to the file on the calling thread (level `denials`), or to a
 * writer Worker that does it on another thread while the guest runs on
 * (level `all`).
 *
 * The Worker keeps a host call's share of auditing to storing its record's
 * numbers: sealing (~0.11 µs), formatting (~0.05 µs) and writing (~0.1 µs)
 * a record would take a call over the 300 ns its audit may add. At most
 * {@linkcode MAX_BATCHES_IN_FLIGHT} batches wait for the Worker; a log that
 * fills another seals it itself while the Worker catches up, and waits for
 * it only when that is not enough, so memory stays bounded and a guest that
 * calls faster than records can be written is slowed to the pace of the two
 * threads together.
 *
 * @module
 */
import { AuditFormatter, lineFormatWasm } from "./audit_format.ts";
import { AuditSealer, sealWasm } from "./audit_seal.ts";
import { Blake3, blake3Module } from "./blake3.ts";
import type { AuditSite } from "./audit_event.ts";
import { auditSiteText, RecordHasher, wordsToHex } from "./record_hash.ts";
import { type WriterMessage, WriterState } from "./audit_writer_state.ts";

/** Batches handed to the Worker and not yet written, at most. */
export const MAX_BATCHES_IN_FLIGHT = 2;
/** A batch's entries per record it is made for: 3, and one size. */
const _WORDS_PER_RECORD = 4;
/** How long a flush waits for the Worker to make progress. */
const _STALL_MS = 60_000;

/** Seals, formats and writes batches (see `audit_writer_state.ts`). */
export interface AuditWriter {
  /** The batch to fill; another one after each {@linkcode write}. */
  readonly batch: Float64Array;
  /**
   * Makes the batch, which must be empty, at least `words` entries long,
   * for a record larger than it.
   */
  grow(words: number): void;
  /** Defines a site, with `sizes` sized arguments, for later batches. */
  site(id: number, site: AuditSite, sizes: number): void;
  /**
   * Writes the batch's first `words` entries, now or soon.
   *
   * @throws {Error} When writing failed (now or earlier); the message says
   * which records may be lost.
   */
  write(words: number): void;
  /** Waits until everything handed over is written. @throws {Error} as `write`. */
  flush(): void;
  /** Batches sealed on the calling thread so far. */
  readonly callerSealed: number;
  /** The last `seq` written to the file. */
  readonly seq: number;
  /** The last `hash` written to the file. */
  readonly lastHash: string;
  /** Stops (after a flush). */
  close(): void;
}

/**
 * A writer that writes on the calling thread, as each batch comes.
 *
 * @param file Open for appending.
 * @param seq The chain to continue: the file's last `seq` …
 * @param hash … and hash.
 */
export function directAuditWriter(
  file: Deno.FsFile,
  seq: number,
  hash: string,
  records: number,
): AuditWriter {
  const sealer = newAuditSealer(seq, hash);
  const formatter = new AuditFormatter(seq, hash, lineFormatWasm());
  let batch = new Float64Array(records * _WORDS_PER_RECORD);
  let hashes: Uint32Array = new Uint32Array(0);
  let written = { seq, hash };
  let sealed = 0;
  return {
    get batch() {
      return batch;
    },
    grow(words) {
      batch = new Float64Array(words);
    },
    site(id, site, sizes) {
      sealer.defineSite(id, auditSiteText(site), sizes);
      formatter.defineSite(id, site);
    },
    write(words) {
      hashes = sealer.sealBatch(batch, words, hashes);
      sealed++;
      formatter.writeBatch(file, batch, words, hashes);
      written = { seq: sealer.seq, hash: wordsToHex(sealer.lastHashWords) };
    },
    flush() {},
    get callerSealed() {
      return sealed;
    },
    get seq() {
      return written.seq;
    },
    get lastHash() {
      return written.hash;
    },
    close: () => file.close(),
  };
}

/**
 * A sealer for this thread, continuing the chain from `seq` and `hash`.
 *
 * @param seq The last `seq` sealed (0 for a new log).
 * @param hash The last hash, 64 hex digits.
 */
export function newAuditSealer(seq: number, hash: string): AuditSealer {
  return new AuditSealer(
    seq,
    hash,
    new RecordHasher(new Blake3(blake3Module())),
    sealWasm(),
    AuditFormatter,
  );
}

/**
 * Starts a writer Worker for a log file and waits until it has opened the
 * file (~30 ms, most of it the Worker's startup).
 *
 * @param path The log file, which exists.
 * @param seq The chain to continue: the file's last `seq` …
 * @param hash … and hash.
 * @param records The records a batch is made for.
 * @returns The writer.
 * @throws {Error} When the Worker cannot start or open the file.
 */
export async function startAuditWriter(
  path: string,
  seq: number,
  hash: string,
  records: number,
): Promise<AuditWriter> {
  // node:worker_threads, not a web Worker: it can be unref()ed, so an open
  // log does not keep the process alive (a web Worker would, and then the
  // `unload` event that flushes and closes the log would never come). Its
  // code is given as text, so starting it needs no read permission.
  const { MessageChannel, Worker } = await import("node:worker_threads");
  const worker = new Worker(_WRITER_SOURCE, { eval: true });
  const { port1, port2 } = new MessageChannel();
  const state = new WriterState();
  const sealer = newAuditSealer(seq, hash);
  state.startChain(seq, sealer.lastHashWords);
  const slots = MAX_BATCHES_IN_FLIGHT + 1;
  const batches = Array.from(
    { length: slots },
    () => new SharedArrayBuffer(8 * records * _WORDS_PER_RECORD),
  );
  const hashes = Array.from(
    { length: slots },
    () => new SharedArrayBuffer(32 * records),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once("error", reject);
      worker.once("message", (message: { type: string; message?: string }) => {
        if (message.type === "ready") resolve();
        else reject(new Error(message.message));
      });
      _post(worker, {
        type: "open",
        path,
        seq,
        hash,
        blake3: blake3Module(),
        seal: sealWasm(),
        formatter: lineFormatWasm(),
        batches,
        hashes,
        state: state.buffer,
        port: port2,
      }, [port2]);
    });
  } catch (error) {
    worker.terminate();
    port1.close();
    throw error;
  }
  worker.removeAllListeners();
  worker.unref();
  return new _WorkerWriter(worker, port1, state, sealer, batches, hashes, {
    seq,
    hash,
  });
}

/**
 * The writer Worker's main function. Self-contained: the Worker runs it
 * from its source text, with the classes it uses.
 *
 * Its first message, `open`, comes on `parentPort` and is answered there
 * with `ready` or `failed`. After `ready` it never returns to its event
 * loop: it waits in the shared state for each batch in turn, reads the
 * `site` and `grow` messages sent before it from the `open` message's
 * port, and reports only through the shared state (the batches done and
 * the first error). It ends when the log terminates it or the process
 * exits.
 */
function _writerMain(
  parentPort: {
    once(event: "message", listener: (message: WriterMessage) => void): void;
    postMessage(message: unknown): void;
  },
  receiveMessageOnPort: (
    port: unknown,
  ) => { message: WriterMessage } | undefined,
  classes: {
    Blake3: typeof Blake3;
    RecordHasher: typeof RecordHasher;
    AuditSealer: typeof AuditSealer;
    AuditFormatter: typeof AuditFormatter;
    WriterState: typeof WriterState;
  },
): void {
  parentPort.once("message", (open) => {
    if (open.type !== "open") return;
    let file: Deno.FsFile | undefined;
    let sealer: AuditSealer;
    let formatter: AuditFormatter;
    let state: WriterState;
    let batches: Float64Array[];
    /** The hash buffers of the batches the log sealed itself, by slot. */
    let sealedHashes: Uint32Array[];
    try {
      state = new classes.WriterState(open.state);
      sealer = new classes.AuditSealer(
        open.seq,
        open.hash,
        new classes.RecordHasher(new classes.Blake3(open.blake3)),
        open.seal,
        classes.AuditFormatter,
      );
      formatter = new classes.AuditFormatter(
        open.seq,
        open.hash,
        open.formatter,
      );
      batches = open.batches.map((buffer) => new Float64Array(buffer));
      sealedHashes = open.hashes.map((buffer) => new Uint32Array(buffer));
      file = Deno.openSync(open.path, { append: true });
    } catch (error) {
      parentPort.postMessage({
        type: "failed",
        message: (error as Error).message,
      });
      return;
    }
    parentPort.postMessage({ type: "ready" });
    /** The hashes of batches sealed here (never a shared slot's buffer). */
    let ownHashes: Uint32Array = new Uint32Array(0);
    const sealedBy = (count: number) => {
      if (!state.waitForSealed(count, 60_000)) {
        throw new Error("the log stopped sealing records");
      }
    };
    for (let index = 0;; index++) {
      while (!state.waitForSent(index + 1, 60_000)) {
        // Idle: nothing to write yet.
      }
      for (
        let received = receiveMessageOnPort(open.port);
        received !== undefined;
        received = receiveMessageOnPort(open.port)
      ) {
        const message = received.message;
        if (message.type === "site") {
          sealer.defineSite(message.id, message.text, message.sizes);
          formatter.defineSite(message.id, message.site);
        } else if (message.type === "grow") {
          batches[message.slot] = new Float64Array(message.buffer);
        }
      }
      const slot = index % batches.length;
      const words = state.wordsIn(slot);
      if (!state.failed) {
        const batch = batches[slot]!;
        try {
          let hashes: Uint32Array;
          if (state.claim(slot, classes.WriterState.WORKER)) {
            // Continue the chain where it ends, whichever side sealed last.
            sealedBy(index);
            sealer.resume(state.chainSeq, state.chainHash);
            hashes = ownHashes = sealer.sealBatch(batch, words, ownHashes);
            state.sealed(index + 1, sealer.seq, sealer.lastHashWords);
          } else {
            // The log sealed it (or is sealing it) while this was behind.
            sealedBy(index + 1);
            hashes = sealedHashes[slot]!;
          }
          const first = formatter.seq;
          formatter.writeBatch(file!, batch, words, hashes);
          const last = 8 * (formatter.seq - first - 1);
          state.written(formatter.seq, hashes.subarray(last, last + 8));
        } catch (error) {
          state.fail((error as Error).message);
          file?.close();
          file = undefined;
        }
      }
      state.batchDone();
    }
  });
}

const _WRITER_SOURCE = `"use strict";
const { parentPort, receiveMessageOnPort } = require("node:worker_threads");
(${_writerMain})(parentPort, receiveMessageOnPort, {
  Blake3: ${Blake3},
  RecordHasher: ${RecordHasher},
  AuditSealer: ${AuditSealer},
  AuditFormatter: ${AuditFormatter},
  WriterState: ${WriterState},
});
`;

/** The part of a node:worker_threads Worker or MessagePort used here. */
interface _Port {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
}

function _post(
  port: _Port,
  message: WriterMessage,
  transfer: readonly unknown[] = [],
): void {
  port.postMessage(message, transfer);
}

/**
 * The log's side of a writer Worker. It hands batches over unsealed while
 * the Worker keeps up. When a batch would have to wait for the Worker, the
 * log seals it itself first, on the calling thread, together with every
 * batch handed over that the Worker has not started sealing, instead of
 * only waiting: the Worker then just formats and writes those, and the two
 * threads share a record's work. Each batch is sealed once, by the side that
 * claims it first in the shared state, and strictly in order: the chain's
 * end passes between the two through the state.
 */
class _WorkerWriter implements AuditWriter {
  readonly #worker: { terminate(): unknown };
  /** Where sites and replaced buffers go (see `_writerMain`). */
  readonly #port: _Port & { close(): void };
  readonly #state: WriterState;
  readonly #sealer: AuditSealer;
  readonly #ring: Float64Array[];
  readonly #hashRing: Uint32Array[];
  /** A replaced buffer of the current slot, to send with its next batch. */
  #grown: SharedArrayBuffer | undefined;
  #sent = 0;
  #callerSealed = 0;
  /** The chain's end as the file had it when the log opened. */
  readonly #start: { seq: number; hash: string };

  constructor(
    worker: { terminate(): unknown },
    port: _Port & { close(): void },
    state: WriterState,
    sealer: AuditSealer,
    batches: SharedArrayBuffer[],
    hashes: SharedArrayBuffer[],
    start: { seq: number; hash: string },
  ) {
    this.#worker = worker;
    this.#port = port;
    this.#state = state;
    this.#sealer = sealer;
    this.#ring = batches.map((buffer) => new Float64Array(buffer));
    this.#hashRing = hashes.map((buffer) => new Uint32Array(buffer));
    this.#start = start;
  }

  get batch(): Float64Array {
    return this.#ring[this.#sent % this.#ring.length]!;
  }

  grow(words: number): void {
    this.#grown = new SharedArrayBuffer(8 * words);
    this.#ring[this.#sent % this.#ring.length] = new Float64Array(this.#grown);
  }

  site(id: number, site: AuditSite, sizes: number): void {
    const text = auditSiteText(site);
    this.#sealer.defineSite(id, text, sizes);
    _post(this.#port, { type: "site", id, site, text, sizes });
  }

  write(words: number): void {
    this.#check();
    const state = this.#state;
    const index = this.#sent;
    const slot = index % this.#ring.length;
    if (index - state.done >= MAX_BATCHES_IN_FLIGHT) {
      // Seal, in order, the batches handed over that the Worker has not
      // started on, then this one: the Worker will only format them.
      for (let j = state.sealedCount; j < index; j++) {
        const queued = j % this.#ring.length;
        if (state.claim(queued, WriterState.LOG)) {
          this.#sealHere(j, queued, state.wordsIn(queued));
        } else {
          this.#until(state.waitForSealed(j + 1, _STALL_MS));
        }
      }
      state.resetClaim(slot, WriterState.LOG);
      this.#sealHere(index, slot, words);
    } else {
      state.resetClaim(slot, WriterState.UNCLAIMED);
    }
    const grown = this.#grown;
    this.#grown = undefined;
    if (grown !== undefined) {
      _post(this.#port, { type: "grow", slot, buffer: grown });
    }
    state.handOver(slot, words);
    this.#sent++;
    // The next slot is free once at most MAX_BATCHES_IN_FLIGHT are pending.
    this.#until(state.waitFor(this.#sent - MAX_BATCHES_IN_FLIGHT, _STALL_MS));
  }

  /** Seals batch `index` (in `slot`) here, after the one before it. */
  #sealHere(index: number, slot: number, words: number): void {
    const state = this.#state;
    this.#until(state.waitForSealed(index, _STALL_MS));
    this.#sealer.resume(state.chainSeq, state.chainHash);
    this.#sealer.sealBatch(this.#ring[slot]!, words, this.#hashRing[slot]!);
    this.#callerSealed++;
    state.sealed(index + 1, this.#sealer.seq, this.#sealer.lastHashWords);
  }

  flush(): void {
    this.#until(this.#state.waitFor(this.#sent, _STALL_MS));
    this.#check();
  }

  get callerSealed(): number {
    return this.#callerSealed;
  }

  get seq(): number {
    return this.#state.seq === 0 ? this.#start.seq : this.#state.seq;
  }

  get lastHash(): string {
    return this.#state.seq === 0
      ? this.#start.hash
      : wordsToHex(this.#state.hashWords);
  }

  close(): void {
    this.#worker.terminate();
    this.#port.close();
  }

  /** Throws when a wait for the Worker timed out. */
  #until(progressed: boolean): void {
    if (!progressed) {
      throw new Error(
        `its writer made no progress for ${
          _STALL_MS / 1000
        } s (what was recorded and not yet written may be lost)`,
      );
    }
  }

  #check(): void {
    if (this.#state.failed) throw new Error(this.#state.message);
  }
}
