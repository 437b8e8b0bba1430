// Checkpoint fsyncs take turns per device. Files that start together checkpoint together, and four
// fdatasyncs of a few hundred MB each filled libuv's four threads for half a second: the staged writes
// queued behind them, the staging buffers filled and every socket paused (bench/README.md, "Slots and
// checkpoints"). One at a time per device, the disk is no slower and the other threads stay free.

const turns = new Map<number, Promise<void>>();

/** Runs `fn` after every earlier call for the same device has ended (whatever its outcome). */
export function syncTurn<T>(device: number, fn: () => Promise<T>): Promise<T> {
  const before = turns.get(device) ?? Promise.resolve();
  const mine = before.then(fn, fn);
  const settled = mine.then(
    () => {},
    () => {},
  );
  turns.set(device, settled);
  // the last in line clears its device, so the map holds only devices with a sync under way
  void settled.then(() => {
    if (turns.get(device) === settled) turns.delete(device);
  });
  return mine;
}
