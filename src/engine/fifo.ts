/** A growable ring buffer of integers (request ids), first in first out. */
export class IntFifo {
  private items = new Int32Array(16);
  private head = 0;
  length = 0;

  push(value: number): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length++) & (this.items.length - 1)] = value;
  }

  /** Removes and returns the oldest value; only call when length > 0. */
  shift(): number {
    const value = this.items[this.head];
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length--;
    return value;
  }

  peek(): number {
    return this.items[this.head];
  }

  private grow(): void {
    const next = new Int32Array(this.items.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
