import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HubConfig } from '../config/config.schema.js';
import { deviceDerivation, formatHash, parseHash, personDerivation, sha512Salted, type KeyDerivation } from './password-hash.js';

/** Every thread is working and the queue is full: refuse now ("server busy") rather than stall. */
export class HasherBusy extends Error {
  readonly kind = 'busy';

  constructor() {
    super('too many sign-ins are being checked at once; try again shortly');
    this.name = 'HasherBusy';
  }
}

/** Whoever asked was gone when its turn came, so the work was skipped. */
export class HashAbandoned extends Error {
  constructor() {
    super('the client left before its password was checked');
    this.name = 'HashAbandoned';
  }
}

export interface PasswordHasherOptions {
  /** Worker threads deriving keys; each holds up to 64 MiB while it works (scrypt). */
  threads: number;
  /** Verifications that may wait for a thread; one more is refused with HasherBusy. */
  queue: number;
  /** How long a successful verification is remembered. */
  rememberMs?: number;
  now?: () => number;
}

/** The hub's hasher from its settings; `auto` threads: one core stays with the event loop, and two are plenty for a house. */
export const createPasswordHasher = ({ hashThreads, hashQueue }: HubConfig['auth']): PasswordHasher =>
  new PasswordHasher({ threads: hashThreads === 'auto' ? Math.max(1, Math.min(2, availableParallelism() - 1)) : hashThreads, queue: hashQueue });

interface Job {
  password: string;
  derivation: KeyDerivation;
  /** Verifications only: checked when the job's turn comes. */
  abandoned?: () => boolean;
  resolve(key: Buffer): void;
  reject(error: Error): void;
}

// scrypt's memory is 128 * N * r bytes (32 MiB for ours); a stored hash asking for more does not verify.
const SCRYPT_MAXMEM = 64 * 1024 * 1024;
const REMEMBERED_MAX = 10_000;
const REMEMBER_MS = 60 * 60 * 1000;

// Runs in each worker: the key derivation, synchronously, one job at a time. On Linux the thread lowers
// its own priority (nice 10): when cores are few, the event loop, which answers everyone, wins the CPU.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { scryptSync, pbkdf2Sync } = require('node:crypto');
try {
  const thread = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(thread, 10);
} catch {}
parentPort.on('message', ({ password, derivation: d }) => {
  try {
    const key = d.alg === 'scrypt'
      ? scryptSync(password, d.salt, d.keylen, { N: d.N, r: d.r, p: d.p, maxmem: workerData.scryptMaxmem })
      : pbkdf2Sync(password, d.salt, d.iterations, d.keylen, 'sha512');
    parentPort.postMessage({ key });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
});
`;

/**
 * Password hashing off the event loop and off libuv's shared pool (where scrypt would queue ahead of
 * file and DNS work): a few worker threads behind a short queue. A flood of sign-ins therefore costs
 * bounded CPU and memory and is refused when the queue is full; work for clients that already left is
 * skipped; and a password that verified recently is accepted from memory, keyed by its stored hash, so
 * a changed password misses.
 */
export class PasswordHasher {
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly waiting: Job[] = [];
  private readonly secret = randomBytes(32);
  // HMAC(secret, stored hash, password) -> until when it counts as verified; oldest first.
  private readonly remembered = new Map<string, number>();
  private readonly rememberMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: PasswordHasherOptions) {
    this.rememberMs = options.rememberMs ?? REMEMBER_MS;
    this.now = options.now ?? Date.now;
  }

  /** A new hash for a person (scrypt) or a device credential (Mosquitto `$7$`). Never refused: only admins set passwords. */
  async hash(password: string, kind: 'person' | 'device'): Promise<string> {
    const derivation = kind === 'person' ? personDerivation() : deviceDerivation();
    return formatHash(derivation, await this.derive(password, derivation));
  }

  /**
   * Whether `password` matches `stored`. Rejects with HasherBusy when the queue is full, and with
   * HashAbandoned when `abandoned()` is true by the time a thread is free.
   */
  async verify(password: string, stored: string, abandoned?: () => boolean): Promise<boolean> {
    const parsed = parseHash(stored);
    if (!parsed) return false;
    if ('sha512Salt' in parsed) return equal(sha512Salted(password, parsed.sha512Salt), parsed.expected);
    const memo = createHmac('sha256', this.secret).update(stored).update('\0').update(password).digest('base64');
    const until = this.remembered.get(memo);
    if (until !== undefined && until > this.now()) return true;
    this.remembered.delete(memo);
    const mustWait = this.idle.length === 0 && this.running.size >= this.options.threads;
    if (mustWait && this.waiting.length >= this.options.queue && this.dropAbandoned() >= this.options.queue) throw new HasherBusy();
    const ok = equal(await this.derive(password, parsed.derivation, abandoned), parsed.expected);
    if (ok) this.remember(memo);
    return ok;
  }

  /** Verifications waiting for a thread, and threads at work: for health reports. */
  get load(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error('the password hasher is closed'));
    const workers = [...this.idle.splice(0), ...this.running.keys()];
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private derive(password: string, derivation: KeyDerivation, abandoned?: () => boolean): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the password hasher is closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ password, derivation, abandoned, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const worker = this.idle.pop() ?? (this.running.size < this.options.threads ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.waiting.shift()!;
      if (job.abandoned?.()) {
        this.idle.push(worker);
        job.reject(new HashAbandoned());
        continue;
      }
      this.running.set(worker, job);
      worker.postMessage({ password: job.password, derivation: job.derivation });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER, { eval: true, workerData: { scryptMaxmem: SCRYPT_MAXMEM } });
    worker.unref();
    worker.on('message', (answer: { key?: Uint8Array; error?: string }) => {
      const job = this.running.get(worker)!;
      this.running.delete(worker);
      this.idle.push(worker);
      if (answer.key) job.resolve(Buffer.from(answer.key.buffer, answer.key.byteOffset, answer.key.byteLength));
      else job.reject(new Error(answer.error));
      this.dispatch();
    });
    // A worker that dies takes only its own job with it; the next job starts a new one.
    const lost = (error: Error) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      const index = this.idle.indexOf(worker);
      if (index !== -1) this.idle.splice(index, 1);
      job?.reject(error);
      if (!this.closed) this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the hashing thread exited (${code})`)));
    return worker;
  }

  /** Rejects the waiting jobs whose clients left; returns how many still wait. */
  private dropAbandoned(): number {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i].abandoned?.()) this.waiting.splice(i, 1)[0].reject(new HashAbandoned());
    }
    return this.waiting.length;
  }

  private remember(memo: string): void {
    this.remembered.delete(memo);
    this.remembered.set(memo, this.now() + this.rememberMs);
    if (this.remembered.size > REMEMBERED_MAX) this.remembered.delete(this.remembered.keys().next().value!);
  }
}

const equal = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);
