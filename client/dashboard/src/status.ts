import type { ConnectionState, Face } from '../../sdk/src/index.js';

export interface FaceSummary {
  id: number;
  emotion: string;
  confidence: number;
}

/** What the page exposes as `window.__facestream`, for tests and for people poking at the console. */
export interface DashboardStatus {
  view: string;
  webcam: {
    running: boolean;
    connection: ConnectionState;
    sent: number;
    results: number;
    facesInLastResult: number;
    lastFaces: FaceSummary[];
    fps: number;
    latencyMs: number;
    droppedLocal: number;
    droppedServer: number;
    timelineSamples: number;
    /** Capture-to-result latency of the latest results, ms, oldest first (at most 500). */
    recentLatencies: number[];
    error: string | null;
  };
  cameras: Record<string, { connection: ConnectionState; state: string | null; results: number; facesInLastResult: number; timelineSamples: number }>;
  upload: { status: 'idle' | 'uploading' | 'done' | 'error'; faces: FaceSummary[]; error: string | null };
}

export const status: DashboardStatus = {
  view: 'webcam',
  webcam: {
    running: false,
    connection: 'idle',
    sent: 0,
    results: 0,
    facesInLastResult: 0,
    lastFaces: [],
    fps: 0,
    latencyMs: 0,
    droppedLocal: 0,
    droppedServer: 0,
    timelineSamples: 0,
    recentLatencies: [],
    error: null,
  },
  cameras: {},
  upload: { status: 'idle', faces: [], error: null },
};

export function summarise(faces: readonly Face[]): FaceSummary[] {
  return faces.map((f) => ({ id: f.id, emotion: f.emotion, confidence: f.confidence }));
}

declare global {
  interface Window {
    __facestream: DashboardStatus;
  }
}

window.__facestream = status;
