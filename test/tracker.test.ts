import { describe, expect, it } from 'vitest';
import { FaceTracker } from '../src/inference/face-tracker.js';

const det = (x: number, probs: number[]) => ({ box: { x, y: 10, w: 50, h: 50 }, probs: Float32Array.from(probs) });

describe('FaceTracker', () => {
  it('keeps ids stable for faces that move a little, in any detection order', () => {
    const tracker = new FaceTracker({ iouThreshold: 0.3, maxMissed: 2, smoothing: 1 });
    const first = tracker.update([det(0, [1, 0]), det(200, [0, 1])]);
    const second = tracker.update([det(205, [0, 1]), det(4, [1, 0])]);
    expect(second.map((f) => f.id)).toEqual([first[1]!.id, first[0]!.id]);
  });

  it('gives a new id to a face that appears, and forgets tracks missed too long', () => {
    const tracker = new FaceTracker({ iouThreshold: 0.3, maxMissed: 1, smoothing: 1 });
    const [a] = tracker.update([det(0, [1, 0])]);
    tracker.update([]);
    tracker.update([]);
    const [b] = tracker.update([det(0, [1, 0])]);
    expect(b!.id).not.toBe(a!.id);
  });

  it('smooths scores with an exponential moving average so labels do not flicker', () => {
    const tracker = new FaceTracker({ iouThreshold: 0.3, maxMissed: 2, smoothing: 0.25 });
    tracker.update([det(0, [1, 0])]);
    const [face] = tracker.update([det(0, [0, 1])]);
    expect(Array.from(face!.scores)).toEqual([0.75, 0.25]);
  });
});
