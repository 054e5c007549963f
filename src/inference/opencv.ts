import cvModule from '@techstark/opencv-js';
import type * as CV from '@techstark/opencv-js';

export type OpenCv = typeof CV & { FS_createDataFile: typeof CV.FS_createDataFile };

/**
 * Resolves once OpenCV's wasm runtime is up. The module object is thenable: awaiting it, or
 * resolving a promise with it, never settles, so the module travels inside a wrapper.
 */
export function loadOpenCv(): Promise<{ cv: OpenCv }> {
  return new Promise((resolve) => {
    const cv = cvModule as unknown as OpenCv & { onRuntimeInitialized?: () => void };
    if (typeof cv.Mat === 'function') resolve({ cv });
    else cv.onRuntimeInitialized = () => resolve({ cv });
  });
}

/** Loads a Haar cascade XML from the host file system into OpenCV's virtual one. */
export function loadCascade(cv: OpenCv, xml: Uint8Array, name: string): CV.CascadeClassifier {
  cv.FS_createDataFile('/', name, xml, true, false, false);
  const cascade = new cv.CascadeClassifier();
  if (!cascade.load(name)) throw new Error(`cannot load Haar cascade ${name}`);
  return cascade;
}
