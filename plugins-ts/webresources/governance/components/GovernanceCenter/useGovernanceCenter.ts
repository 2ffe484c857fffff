import * as React from "react";
import type { WaiverRequest } from "../../data";
import type { GovernanceCenterProps, GovernanceCenterState, Loadable, TabValue } from "./GovernanceCenter.types";

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Loads a value when `version` changes; keeps the previous value while reloading. */
export function useLoad<T>(load: () => Promise<T>, version: number | string): Loadable<T> {
  const [state, setState] = React.useState<Loadable<T>>({ value: null, error: null, loading: true });
  const loader = React.useRef(load);
  loader.current = load;
  React.useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    loader
      .current()
      .then((value) => {
        if (live) setState({ value, error: null, loading: false });
      })
      .catch((err: unknown) => {
        if (live) setState((s) => ({ value: s.value, error: message(err), loading: false }));
      });
    return () => {
      live = false;
    };
  }, [version]);
  return state;
}

export function useGovernanceCenter(props: GovernanceCenterProps): GovernanceCenterState {
  const [tab, setTab] = React.useState<TabValue>(props.initialTab ?? "audit");
  const [visited, setVisited] = React.useState<ReadonlySet<TabValue>>(() => new Set([tab]));
  if (!visited.has(tab)) setVisited(new Set([...visited, tab]));
  const [version, setVersion] = React.useState(0);
  const { data } = props;
  const runs = useLoad(() => data.runs(), version);
  const pack = useLoad(() => data.rulePack(), version);
  const cadence = useLoad(() => data.cadence(), version);
  const directory = useLoad(() => data.directory(), 0);
  const refresh = React.useCallback(() => setVersion((v) => v + 1), []);
  const [waiverPrefill, setWaiverPrefill] = React.useState<Partial<WaiverRequest> | null>(null);
  const requestWaiver = React.useCallback((prefill: Partial<WaiverRequest>) => {
    setWaiverPrefill(prefill);
    setTab("waivers");
  }, []);
  const now = React.useMemo(() => props.now ?? (() => new Date()), [props.now]);
  return { tab, setTab, visited, runs, pack, cadence, directory, refresh, waiverPrefill, requestWaiver, props, now };
}
