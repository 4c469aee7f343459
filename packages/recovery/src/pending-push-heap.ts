/**
 * A push that is waiting because its sequence is beyond the queue's window.
 *
 * @internal not covered by semver
 */
export interface PendingPush<E> {
  readonly event: E;
  readonly sequence: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Min-heap of waiting pushes ordered by sequence, so that when the checkpoint moves
 * the pushes that now fit are found without scanning the others.
 *
 * @internal not covered by semver
 */
export class PendingPushHeap<E> {
  private readonly items: PendingPush<E>[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): PendingPush<E> | undefined {
    return this.items[0];
  }

  add(item: PendingPush<E>): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex];
      if (parent === undefined || parent.sequence <= item.sequence) break;
      items[index] = parent;
      index = parentIndex;
    }
    items[index] = item;
  }

  pop(): PendingPush<E> | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let index = 0;
    for (;;) {
      const leftIndex = index * 2 + 1;
      if (leftIndex >= items.length) break;
      const left = items[leftIndex];
      const right = items[leftIndex + 1];
      let childIndex = leftIndex;
      let child = left;
      if (right !== undefined && left !== undefined && right.sequence < left.sequence) {
        childIndex = leftIndex + 1;
        child = right;
      }
      if (child === undefined || child.sequence >= last.sequence) break;
      items[index] = child;
      index = childIndex;
    }
    items[index] = last;
    return top;
  }

  /** Removes every waiting push and returns them. */
  takeAll(): PendingPush<E>[] {
    return this.items.splice(0, this.items.length);
  }
}
