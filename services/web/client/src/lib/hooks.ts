import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorSentence } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `fn` when mounted and whenever `deps` change, and again every `intervalMs` while the page is
 * visible (live availability, booking status). A failed refresh keeps the last good data and shows
 * the error next to it.
 */
export function useLoad<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  intervalMs?: number,
): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  useEffect(() => {
    setData(undefined);
    setError(undefined);
    setLoading(true);
  }, deps);

  useEffect(() => {
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await fnRef.current(ctrl.signal);
        if (ctrl.signal.aborted) return;
        setData(value);
        setError(undefined);
      } catch (err) {
        if (ctrl.signal.aborted) return;
        setError(errorSentence(err));
      } finally {
        if (!ctrl.signal.aborted) {
          setLoading(false);
          if (intervalMs) timer = setTimeout(() => void (document.hidden ? schedule() : run()), intervalMs);
        }
      }
    };
    const schedule = () => {
      timer = setTimeout(() => void (document.hidden ? schedule() : run()), intervalMs);
    };
    void run();
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick, intervalMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** Seconds left until `iso`, ticking every second. */
export function useSecondsLeft(iso: string | undefined): number | undefined {
  const compute = () =>
    iso ? Math.max(0, Math.round((new Date(iso).getTime() - Date.now()) / 1000)) : undefined;
  const [left, setLeft] = useState(compute);
  useEffect(() => {
    setLeft(compute());
    if (!iso) return;
    const t = setInterval(() => setLeft(compute()), 1000);
    return () => clearInterval(t);
  }, [iso]);
  return left;
}

export interface Action {
  busy: boolean;
  error: string | undefined;
  run: (fn: () => Promise<void>) => Promise<void>;
  clear: () => void;
}

/** A button's request: busy while running, its refusal as a sentence. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const run = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(undefined) };
}
