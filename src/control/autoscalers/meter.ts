/**
 * What an autoscaler reads of one model service, period by period: the time average of requests in
 * flight (queued or running) and of busy replicas, integrated exactly at every change; arrivals;
 * the TTFT of requests that finished; and samples of queue length and KV-cache use (twelve per period).
 */
import { quantileSorted } from "simple-statistics";
import { widen } from "../../engine/columns.js";

export interface PeriodReading {
  /** time-averaged requests in flight at the service (central queue, replica queues, running) */
  inFlight: number;
  /** time-averaged replicas running an iteration */
  busy: number;
  /** requests that arrived at the service in the period, per second */
  arrivalRate: number;
  /** p90 of the TTFT (from the attempt's arrival at the service) of requests that finished, seconds; null with none */
  ttftP90S: number | null;
  /** mean of the samples of requests waiting, and of the mean KV-cache load of serving replicas */
  waiting: number;
  kvLoad: number;
}

class PeriodLevel {
  value = 0;
  private lastUs = 0;
  private area = 0;

  add(delta: number, nowUs: number): void {
    this.area += this.value * (nowUs - this.lastUs);
    this.lastUs = nowUs;
    this.value += delta;
  }

  /** Mean since the last take, over `spanUs`; starts the next period. */
  take(nowUs: number, spanUs: number): number {
    this.add(0, nowUs);
    const mean = spanUs > 0 ? this.area / spanUs : this.value;
    this.area = 0;
    return mean;
  }
}

export class ServiceMeter {
  private readonly inFlight = new PeriodLevel();
  private readonly busy = new PeriodLevel();
  private arrivals = 0;
  /** TTFTs of the period, the first `ttftCount` of a reused typed array: sorted natively (numeric order, no comparator calls) at each take */
  private ttftUs = new Float64Array(256);
  private ttftCount = 0;
  private waitingSum = 0;
  private kvSum = 0;
  private samples = 0;
  private periodStartUs = 0;

  arrived(): void {
    this.arrivals++;
  }

  accepted(nowUs: number): void {
    this.inFlight.add(1, nowUs);
  }

  ended(nowUs: number): void {
    this.inFlight.add(-1, nowUs);
  }

  completed(ttftUs: number, nowUs: number): void {
    if (this.ttftCount === this.ttftUs.length) this.ttftUs = widen(this.ttftUs, 2 * this.ttftCount);
    this.ttftUs[this.ttftCount++] = ttftUs;
    this.ended(nowUs);
  }

  busyChanged(delta: number, nowUs: number): void {
    this.busy.add(delta, nowUs);
  }

  sample(waiting: number, kvLoad: number): void {
    this.waitingSum += waiting;
    this.kvSum += kvLoad;
    this.samples++;
  }

  /** The period just ended: its averages; the next period starts now. */
  take(nowUs: number): PeriodReading {
    const spanUs = nowUs - this.periodStartUs;
    // quantileSorted reads only the length and the elements, so the sorted view serves as its array.
    const ttftUs = this.ttftUs.subarray(0, this.ttftCount).sort() as unknown as number[];
    const reading: PeriodReading = {
      inFlight: this.inFlight.take(nowUs, spanUs),
      busy: this.busy.take(nowUs, spanUs),
      arrivalRate: spanUs > 0 ? (this.arrivals * 1e6) / spanUs : 0,
      ttftP90S: ttftUs.length > 0 ? quantileSorted(ttftUs, 0.9) / 1e6 : null,
      waiting: this.samples > 0 ? this.waitingSum / this.samples : 0,
      kvLoad: this.samples > 0 ? this.kvSum / this.samples : 0,
    };
    this.periodStartUs = nowUs;
    this.arrivals = 0;
    this.ttftCount = 0;
    this.waitingSum = 0;
    this.kvSum = 0;
    this.samples = 0;
    return reading;
  }
}
