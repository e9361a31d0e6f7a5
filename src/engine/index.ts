/**
 * The discrete-event kernel. It knows nothing of LLMs, requests or fleets: a clock in integer
 * microseconds, an event queue with deterministic tie-breaking and cancellation, and named
 * random streams. Everything else in fleetsim is built on these.
 */
export { Simulator } from "./simulator.js";
export { EventQueue, type EventFn } from "./queue.js";
export { RandomStreams, type Rng } from "./random.js";
export { Priority } from "./priorities.js";
export { IntFifo } from "./fifo.js";
export { widen } from "./columns.js";
export { US_PER_S, US_PER_MS, secondsToUs, usToSeconds } from "./time.js";
