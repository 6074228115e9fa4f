// The same-origin X-Ray API: POST JSON to the operation's path, as the AWS
// SDKs do. Errors come back in X-Ray's shape ({__type, message}).

export class ApiError extends Error {
  constructor(public type: string, message: string, public status: number) {
    super(message);
  }
}

// Identical requests in flight share one fetch, and a result is reused for
// a short while, so that screens rendered from the same state (the map and
// its panel, the list and its refiners) never ask twice.
const inflight = new Map<string, { at: number; p: Promise<unknown> }>();
const reuseMs = 3000;

export async function call<T>(path: string, body: unknown, opts: { fresh?: boolean } = {}): Promise<T> {
  const payload = JSON.stringify(body ?? {});
  const key = path + " " + payload;
  const mutating = !/^\/(TraceSummaries|Traces|ServiceGraph|TraceGraph|TimeSeriesServiceStatistics|GetSamplingRules|Groups|GetGroup|SamplingStatisticSummaries)$/.test(path);
  const hit = inflight.get(key);
  if (!mutating && !opts.fresh && hit && performance.now() - hit.at < reuseMs) return hit.p as Promise<T>;
  const p = (async () => {
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: payload,
      credentials: "same-origin",
    });
    const text = await res.text();
    let data: any = {};
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError("InvalidResponse", `the server answered ${res.status} with something other than JSON`, res.status);
    }
    if (!res.ok) {
      throw new ApiError(data.__type || "Error", data.message || data.Message || `HTTP ${res.status}`, res.status);
    }
    return data as T;
  })();
  if (!mutating) {
    inflight.set(key, { at: performance.now(), p });
    p.catch(() => inflight.delete(key));
    if (inflight.size > 200) {
      for (const [k, v] of inflight) if (performance.now() - v.at > reuseMs) inflight.delete(k);
    }
  } else {
    inflight.clear(); // a change makes every cached read stale
  }
  return p;
}

// ---- shapes (the parts the console reads) ----

export interface ErrorStats { ThrottleCount: number; OtherCount: number; TotalCount: number }
export interface SummaryStats {
  OkCount: number;
  ErrorStatistics: ErrorStats;
  FaultStatistics: { OtherCount: number; TotalCount: number };
  TotalCount: number;
  TotalResponseTime: number;
}
export interface HistEntry { Value: number; Count: number }
export interface Edge {
  ReferenceId: number;
  StartTime?: number;
  EndTime?: number;
  SummaryStatistics?: SummaryStats;
  ResponseTimeHistogram?: HistEntry[];
}
export interface Service {
  ReferenceId: number;
  Name?: string;
  Names?: string[];
  Root?: boolean;
  Type?: string;
  State?: string;
  StartTime?: number;
  EndTime?: number;
  Edges?: Edge[];
  SummaryStatistics?: SummaryStats;
  ResponseTimeHistogram?: HistEntry[];
  DurationHistogram?: HistEntry[];
}
export interface ServiceGraph { Services: Service[]; StartTime?: number; EndTime?: number; NextToken?: string }

export interface ServiceId { Name?: string; Names?: string[]; Type?: string; AccountId?: string }
export interface AnnotationValue { NumberValue?: number; BooleanValue?: boolean; StringValue?: string }
export interface RootCauseEntity { Name: string; Exceptions?: { Name?: string; Message?: string }[]; Remote?: boolean; Coverage?: number }
export interface RootCauseService { Name: string; Names?: string[]; Type?: string; Inferred?: boolean; EntityPath: RootCauseEntity[] }
export interface RootCause { Services: RootCauseService[]; ClientImpacting?: boolean }
export interface TraceSummary {
  Id: string;
  StartTime?: number;
  Duration?: number;
  ResponseTime?: number;
  HasFault?: boolean;
  HasError?: boolean;
  HasThrottle?: boolean;
  IsPartial?: boolean;
  Http?: { HttpURL?: string; HttpStatus?: number; HttpMethod?: string; UserAgent?: string; ClientIp?: string };
  Annotations?: Record<string, { AnnotationValue: AnnotationValue }[]>;
  Users?: { UserName: string }[];
  ServiceIds?: ServiceId[];
  EntryPoint?: ServiceId;
  FaultRootCauses?: RootCause[];
  ErrorRootCauses?: RootCause[];
  ResponseTimeRootCauses?: RootCause[];
}
export interface SummariesPage { TraceSummaries: TraceSummary[]; NextToken?: string; TracesProcessedCount?: number; ApproximateTime?: number }

export interface Segment { Id: string; Document: string }
export interface Trace { Id: string; Duration?: number; LimitExceeded?: boolean; Segments: Segment[] }

export interface Group { GroupName: string; GroupARN: string; FilterExpression?: string; InsightsConfiguration?: { InsightsEnabled?: boolean; NotificationsEnabled?: boolean } }

export interface SamplingRule {
  RuleName?: string;
  RuleARN?: string;
  ResourceARN: string;
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host: string;
  HTTPMethod: string;
  URLPath: string;
  Version: number;
  Attributes?: Record<string, string>;
}
export interface SamplingRuleRecord { SamplingRule: SamplingRule; CreatedAt?: number; ModifiedAt?: number }
export interface SamplingStatSummary { RuleName: string; Timestamp?: number; RequestCount: number; BorrowCount: number; SampledCount: number }

// ---- operations ----

export interface Window { start: number; end: number }

export function serviceGraph(w: Window, group?: string): Promise<ServiceGraph> {
  return call("/ServiceGraph", { StartTime: w.start, EndTime: w.end, GroupName: group || undefined });
}

// summaries reads every page up to limit traces (the API answers pages of
// at most 100 summaries).
export async function summaries(w: Window, filter: string, limit = 1000): Promise<{ traces: TraceSummary[]; truncated: boolean }> {
  const traces: TraceSummary[] = [];
  let token: string | undefined;
  do {
    const page: SummariesPage = await call("/TraceSummaries", {
      StartTime: w.start,
      EndTime: w.end,
      FilterExpression: filter || undefined,
      Sampling: false,
      NextToken: token,
    });
    traces.push(...(page.TraceSummaries || []));
    token = page.NextToken;
  } while (token && traces.length < limit);
  return { traces, truncated: !!token };
}

export async function batchGetTraces(ids: string[]): Promise<Trace[]> {
  const out: Trace[] = [];
  let token: string | undefined;
  do {
    const page: { Traces: Trace[]; NextToken?: string } = await call("/Traces", { TraceIds: ids, NextToken: token });
    out.push(...(page.Traces || []));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function traceGraph(ids: string[]): Promise<ServiceGraph> {
  const services: Service[] = [];
  let token: string | undefined;
  do {
    const page: ServiceGraph = await call("/TraceGraph", { TraceIds: ids, NextToken: token });
    services.push(...(page.Services || []));
    token = page.NextToken;
  } while (token);
  return { Services: services };
}

export async function groups(): Promise<Group[]> {
  const out: Group[] = [];
  let token: string | undefined;
  do {
    const page: { Groups: Group[]; NextToken?: string } = await call("/Groups", { NextToken: token });
    out.push(...(page.Groups || []));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function samplingRules(): Promise<SamplingRuleRecord[]> {
  const out: SamplingRuleRecord[] = [];
  let token: string | undefined;
  do {
    const page: { SamplingRuleRecords: SamplingRuleRecord[]; NextToken?: string } = await call("/GetSamplingRules", { NextToken: token });
    out.push(...(page.SamplingRuleRecords || []));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function samplingStats(): Promise<SamplingStatSummary[]> {
  const out: SamplingStatSummary[] = [];
  let token: string | undefined;
  do {
    const page: { SamplingStatisticSummaries: SamplingStatSummary[]; NextToken?: string } = await call("/SamplingStatisticSummaries", { NextToken: token });
    out.push(...(page.SamplingStatisticSummaries || []));
    token = page.NextToken;
  } while (token);
  return out;
}

export interface TimeSeriesPoint { Timestamp: number; EdgeSummaryStatistics?: SummaryStats; ServiceSummaryStatistics?: SummaryStats }

export function timeSeries(w: Window, selector: string, group?: string): Promise<{ TimeSeriesServiceStatistics: TimeSeriesPoint[] }> {
  // AWS takes a Period of 60 s or a multiple of 300 s.
  const period = w.end - w.start <= 3 * 3600 ? 60 : 300;
  return call("/TimeSeriesServiceStatistics", { StartTime: w.start, EndTime: w.end, Period: period, EntitySelectorExpression: selector, GroupName: group || undefined });
}
