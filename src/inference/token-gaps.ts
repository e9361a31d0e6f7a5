/**
 * The time between tokens a replica's decoding sequences see, counted per measurement scope: an
 * iteration gives each measured sequence one gap of its duration, a decode jump of `steps` steps
 * gives each `steps` gaps, which grow with the context (jumpHalves splits them into two equal-time
 * halves). Only the scopes of requests submitted here are visited (a run may have hundreds).
 */
import { usToSeconds } from "../engine/index.js";
import type { RequestLifecycle } from "../requests/context.js";
import { jumpHalves, type JumpCost, type JumpHalves } from "./decode-jump.js";

export class TokenGaps {
  /** per scope: sequences x steps decoded in the iteration that just ended */
  readonly weights: Float64Array;
  /** the measurement scopes of the requests submitted here, ascending: the only ones `weights` can hold */
  private readonly scopes: number[] = [];
  private readonly served: Uint8Array;
  private readonly halves: JumpHalves = { firstSteps: 0, firstUs: 0, secondUs: 0 };

  constructor(
    scopeCount: number,
    private readonly lifecycle: RequestLifecycle,
  ) {
    this.weights = new Float64Array(scopeCount);
    this.served = new Uint8Array(scopeCount);
  }

  /** Notes that requests of measurement scope `scope` come here. */
  serve(scope: number): void {
    if (this.served[scope]) return;
    this.served[scope] = 1;
    const list = this.scopes;
    let at = list.length;
    while (at > 0 && list[at - 1] > scope) at--;
    list.splice(at, 0, scope);
  }

  /** Starts an iteration's count from the decode group's measured members per scope times `steps`; whether any is above 0. */
  start(measuredByScope: Float64Array, steps: number): boolean {
    const w = this.weights;
    let any = false;
    for (const s of this.scopes) {
      w[s] = measuredByScope[s] * steps;
      if (w[s] > 0) any = true;
    }
    return any;
  }

  /** Records the iteration's gaps: one iteration of `durationUs`, or a jump of `steps` steps priced by `jump`. */
  record(durationUs: number, steps: number, jump: JumpCost | undefined): void {
    const lifecycle = this.lifecycle;
    const w = this.weights;
    if (jump === undefined) {
      for (const s of this.scopes) if (w[s] > 0) lifecycle.tokenGaps(s, usToSeconds(durationUs), w[s]);
      return;
    }
    const { firstSteps, firstUs, secondUs } = jumpHalves(jump, steps, this.halves);
    for (const s of this.scopes) {
      if (w[s] === 0) continue;
      const perStep = w[s] / steps;
      if (firstSteps > 0) lifecycle.tokenGaps(s, usToSeconds(firstUs), perStep * firstSteps);
      lifecycle.tokenGaps(s, usToSeconds(secondUs), perStep * (steps - firstSteps));
    }
  }
}
