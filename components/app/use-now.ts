import { useEffect, useState } from 'react';

// A clock for elapsed-time displays: the time of the current render, re-rendering `everyMs` after the last
// render while `active` (waiting approvals on screen). Any other render (a snapshot, a key) shows the
// current time too and restarts the wait, so a busy view never pays an extra frame for the clock.
export const useNow = (active: boolean, everyMs = 1000): number => {
  const [, setTick] = useState(0);
  const now = Date.now();
  useEffect(() => {
    if (!active) return;
    const t = setTimeout(() => setTick((n) => n + 1), everyMs);
    return () => clearTimeout(t);
  });
  return now;
};
