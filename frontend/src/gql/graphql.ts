/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AssetKeyInput = {
  path: Array<string>;
};

/** The orders of the assets query. */
export type AssetOrder =
  | 'GROUP'
  | 'KEY'
  | 'LAST_MATERIALIZATION';

export type EventFilter = {
  assetKeys?: Array<AssetKeyInput> | null | undefined;
  partition?: string | null | undefined;
  runId?: string | null | undefined;
  /** An asset selection; events of the assets it selects. */
  selection?: string | null | undefined;
  /** Inclusive lower bound on the timestamp. */
  since?: string | null | undefined;
  types?: Array<string> | null | undefined;
  /** Exclusive upper bound on the timestamp. */
  until?: string | null | undefined;
};

export type EventInput = {
  assetKey?: AssetKeyInput | null | undefined;
  checkName?: string | null | undefined;
  dataVersion?: string | null | undefined;
  description?: string | null | undefined;
  level?: string | null | undefined;
  message?: string | null | undefined;
  /** An object of key to value: plain JSON (type inferred) or {raw_value, type}. */
  metadata?: unknown;
  partition?: string | null | undefined;
  passed?: boolean | null | undefined;
  runId?: string | null | undefined;
  severity?: string | null | undefined;
  /** When it happened; defaults to when it is recorded. */
  timestamp?: string | null | undefined;
  /** ASSET_MATERIALIZATION, ASSET_OBSERVATION, ASSET_CHECK_EVALUATION, ASSET_FAILED_TO_MATERIALIZE, ASSET_WIPED, LOG or ENGINE_EVENT. */
  type: string;
};

export type EventFieldsFragment = { storageId: string, type: string, timestamp: string, runId: string | null, partition: string | null, dataVersion: string | null, description: string | null, checkName: string | null, passed: boolean | null, severity: string | null, level: string | null, message: string | null, assetKey: { path: Array<string>, string: string } | null, metadata: Array<{ key: string, type: string, value: unknown }> };

export type GraphAssetFragment = { declared: boolean, checkStatus: string, updatedAt: string, key: { path: Array<string>, string: string }, definition: { group: string | null, kinds: Array<string>, launchable: boolean } | null, latestMaterialization: { timestamp: string } | null, latestObservation: { timestamp: string } | null, latestFailure: { timestamp: string } | null, freshness: { status: string, deadline: string | null } };

export type AssetPageQueryVariables = Exact<{
  key: AssetKeyInput;
}>;


export type AssetPageQuery = { asset: { declared: boolean, checkStatus: string, updatedAt: string, key: { path: Array<string>, string: string }, definition: { description: string | null, group: string | null, owners: Array<string>, kinds: Array<string>, codeVersion: string | null, location: string, launchable: boolean, tags: Array<{ key: string, value: string }>, metadata: Array<{ key: string, type: string, value: unknown }>, deps: Array<{ path: Array<string>, string: string }>, freshness: { maxLag: string, cron: string | null } | null, pipes: { command: Array<string>, cwd: string | null, timeoutSeconds: number | null } | null } | null, latestMaterialization: { storageId: string, type: string, timestamp: string, runId: string | null, partition: string | null, dataVersion: string | null, description: string | null, checkName: string | null, passed: boolean | null, severity: string | null, level: string | null, message: string | null, assetKey: { path: Array<string>, string: string } | null, metadata: Array<{ key: string, type: string, value: unknown }> } | null, latestObservation: { storageId: string, type: string, timestamp: string, runId: string | null, partition: string | null, dataVersion: string | null, description: string | null, checkName: string | null, passed: boolean | null, severity: string | null, level: string | null, message: string | null, assetKey: { path: Array<string>, string: string } | null, metadata: Array<{ key: string, type: string, value: unknown }> } | null, latestFailure: { storageId: string, type: string, timestamp: string, runId: string | null, partition: string | null, dataVersion: string | null, description: string | null, checkName: string | null, passed: boolean | null, severity: string | null, level: string | null, message: string | null, assetKey: { path: Array<string>, string: string } | null, metadata: Array<{ key: string, type: string, value: unknown }> } | null, freshness: { status: string, deadline: string | null }, checks: Array<{ name: string, status: string, spec: { description: string | null, blocking: boolean, severity: string | null } | null, latestEvaluation: { storageId: string, timestamp: string, partition: string | null } | null }>, upstream: Array<{ key: { path: Array<string>, string: string } }>, downstream: Array<{ key: { path: Array<string>, string: string } }>, partitions: Array<{ partition: string }>, runs: { nodes: Array<{ id: string, status: string, partition: string | null, createdAt: string, startedAt: string | null, endedAt: string | null }> } } | null };

export type AssetPageUpdatedSubscriptionVariables = Exact<{
  selection: string;
}>;


export type AssetPageUpdatedSubscription = { assetUpdated: { updatedAt: string } };

export type LaunchRunMutationVariables = Exact<{
  assetKeys: Array<AssetKeyInput> | AssetKeyInput;
  partition?: string | null | undefined;
}>;


export type LaunchRunMutation = { launchRun: { id: string, status: string } };

export type CatalogAssetFragment = { declared: boolean, checkStatus: string, updatedAt: string, key: { path: Array<string>, string: string }, definition: { group: string | null, owners: Array<string>, kinds: Array<string> } | null, latestMaterialization: { timestamp: string } | null, latestObservation: { timestamp: string } | null, freshness: { status: string, deadline: string | null } };

export type CatalogQueryVariables = Exact<{
  selection?: string | null | undefined;
  first: number;
  after?: string | null | undefined;
  orderBy?: AssetOrder | null | undefined;
  descending?: boolean | null | undefined;
}>;


export type CatalogQuery = { assets: { totalCount: number, nodes: Array<{ declared: boolean, checkStatus: string, updatedAt: string, key: { path: Array<string>, string: string }, definition: { group: string | null, owners: Array<string>, kinds: Array<string> } | null, latestMaterialization: { timestamp: string } | null, latestObservation: { timestamp: string } | null, freshness: { status: string, deadline: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CatalogFacetsQueryVariables = Exact<{ [key: string]: never; }>;


export type CatalogFacetsQuery = { assets: { nodes: Array<{ definition: { group: string | null, kinds: Array<string>, owners: Array<string> } | null }> } };

export type CatalogAssetUpdatedSubscriptionVariables = Exact<{
  selection?: string | null | undefined;
}>;


export type CatalogAssetUpdatedSubscription = { assetUpdated: { declared: boolean, checkStatus: string, updatedAt: string, key: { path: Array<string>, string: string }, definition: { group: string | null, owners: Array<string>, kinds: Array<string> } | null, latestMaterialization: { timestamp: string } | null, latestObservation: { timestamp: string } | null, freshness: { status: string, deadline: string | null } } };

export type RecentEventsQueryVariables = Exact<{
  filter?: EventFilter | null | undefined;
  last: number;
  before?: string | null | undefined;
}>;


export type RecentEventsQuery = { events: { nodes: Array<{ storageId: string, type: string, timestamp: string, runId: string | null, partition: string | null, dataVersion: string | null, description: string | null, checkName: string | null, passed: boolean | null, severity: string | null, level: string | null, message: string | null, assetKey: { path: Array<string>, string: string } | null, metadata: Array<{ key: string, type: string, value: unknown }> }>, pageInfo: { hasPreviousPage: boolean, startCursor: string | null } } };

export type EventStreamSubscriptionVariables = Exact<{
  filter?: EventFilter | null | undefined;
  after?: string | null | undefined;
}>;


export type EventStreamSubscription = { events: { storageId: string, type: string, timestamp: string, runId: string | null, partition: string | null, dataVersion: string | null, description: string | null, checkName: string | null, passed: boolean | null, severity: string | null, level: string | null, message: string | null, assetKey: { path: Array<string>, string: string } | null, metadata: Array<{ key: string, type: string, value: unknown }> } };

export type AssetGraphQueryVariables = Exact<{
  selection?: string | null | undefined;
  limit?: number | null | undefined;
}>;


export type AssetGraphQuery = { assetGraph: { truncated: boolean, nodes: Array<{ declared: boolean, checkStatus: string, updatedAt: string, key: { path: Array<string>, string: string }, definition: { group: string | null, kinds: Array<string>, launchable: boolean } | null, latestMaterialization: { timestamp: string } | null, latestObservation: { timestamp: string } | null, latestFailure: { timestamp: string } | null, freshness: { status: string, deadline: string | null } }>, edges: Array<{ from: { string: string }, to: { string: string } }> } };

export type GraphAssetUpdatedSubscriptionVariables = Exact<{
  selection?: string | null | undefined;
}>;


export type GraphAssetUpdatedSubscription = { assetUpdated: { declared: boolean, checkStatus: string, updatedAt: string, key: { path: Array<string>, string: string }, definition: { group: string | null, kinds: Array<string>, launchable: boolean } | null, latestMaterialization: { timestamp: string } | null, latestObservation: { timestamp: string } | null, latestFailure: { timestamp: string } | null, freshness: { status: string, deadline: string | null } } };

export type DefinitionsAppliedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DefinitionsAppliedSubscription = { events: { storageId: string } };

export type RunQueryVariables = Exact<{
  id: string;
}>;


export type RunQuery = { run: { id: string, status: string, partition: string | null, launchedBy: string | null, command: Array<string>, createdAt: string, startedAt: string | null, endedAt: string | null, message: string | null, exitCode: number | null, stdoutSize: number, stderrSize: number, assetKeys: Array<{ path: Array<string>, string: string }>, tags: Array<{ key: string, value: string }> } | null };

export type RunLogsSubscriptionVariables = Exact<{
  runId: string;
  after?: string | null | undefined;
}>;


export type RunLogsSubscription = { runLogs: { storageId: string, type: string, timestamp: string, runId: string | null, partition: string | null, dataVersion: string | null, description: string | null, checkName: string | null, passed: boolean | null, severity: string | null, level: string | null, message: string | null, assetKey: { path: Array<string>, string: string } | null, metadata: Array<{ key: string, type: string, value: unknown }> } };

export type CancelRunMutationVariables = Exact<{
  id: string;
}>;


export type CancelRunMutation = { cancelRun: { id: string, status: string } };

export type RunStdoutQueryVariables = Exact<{
  id: string;
  offset: number;
}>;


export type RunStdoutQuery = { run: { stdout: string } | null };

export type RunStderrQueryVariables = Exact<{
  id: string;
  offset: number;
}>;


export type RunStderrQuery = { run: { stderr: string } | null };

export type RunsQueryVariables = Exact<{
  statuses?: Array<string> | string | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type RunsQuery = { runs: { nodes: Array<{ id: string, status: string, partition: string | null, launchedBy: string | null, createdAt: string, startedAt: string | null, endedAt: string | null, assetKeys: Array<{ path: Array<string>, string: string }> }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type RunStatusEventsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type RunStatusEventsSubscription = { events: { storageId: string, runId: string | null } };

export type ReportEventsMutationVariables = Exact<{
  events: Array<EventInput> | EventInput;
}>;


export type ReportEventsMutation = { reportEvents: { storageIds: Array<string> } };

export type AssetEventsQueryVariables = Exact<{
  key: AssetKeyInput;
  types?: Array<string> | string | null | undefined;
  partition?: string | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type AssetEventsQuery = { asset: { events: { nodes: Array<{ storageId: string, type: string, timestamp: string, runId: string | null, partition: string | null, dataVersion: string | null, description: string | null, checkName: string | null, passed: boolean | null, severity: string | null, level: string | null, message: string | null, assetKey: { path: Array<string>, string: string } | null, metadata: Array<{ key: string, type: string, value: unknown }> }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type AssetPlotsQueryVariables = Exact<{
  key: AssetKeyInput;
  first: number;
}>;


export type AssetPlotsQuery = { asset: { events: { nodes: Array<{ storageId: string, timestamp: string, metadata: Array<{ key: string, type: string, value: unknown }> }> } } | null };

export type CheckEvaluationsQueryVariables = Exact<{
  key: AssetKeyInput;
  first: number;
  after?: string | null | undefined;
}>;


export type CheckEvaluationsQuery = { asset: { checks: Array<{ name: string, evaluations: { nodes: Array<{ storageId: string, type: string, timestamp: string, runId: string | null, partition: string | null, dataVersion: string | null, description: string | null, checkName: string | null, passed: boolean | null, severity: string | null, level: string | null, message: string | null, assetKey: { path: Array<string>, string: string } | null, metadata: Array<{ key: string, type: string, value: unknown }> }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } }> } | null };

export type AssetLineageQueryVariables = Exact<{
  key: AssetKeyInput;
  depth: number;
}>;


export type AssetLineageQuery = { lineage: { truncated: boolean, nodes: Array<{ declared: boolean, checkStatus: string, updatedAt: string, key: { path: Array<string>, string: string }, definition: { group: string | null, kinds: Array<string>, launchable: boolean } | null, latestMaterialization: { timestamp: string } | null, latestObservation: { timestamp: string } | null, latestFailure: { timestamp: string } | null, freshness: { status: string, deadline: string | null } }>, edges: Array<{ from: { string: string }, to: { string: string } }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const EventFieldsFragmentDoc = new TypedDocumentString(`
    fragment EventFields on Event {
  storageId
  type
  timestamp
  runId
  assetKey {
    path
    string
  }
  partition
  dataVersion
  description
  checkName
  passed
  severity
  level
  message
  metadata {
    key
    type
    value
  }
}
    `, {"fragmentName":"EventFields"}) as unknown as TypedDocumentString<EventFieldsFragment, unknown>;
export const GraphAssetFragmentDoc = new TypedDocumentString(`
    fragment GraphAsset on Asset {
  key {
    path
    string
  }
  declared
  definition {
    group
    kinds
    launchable
  }
  latestMaterialization {
    timestamp
  }
  latestObservation {
    timestamp
  }
  latestFailure {
    timestamp
  }
  checkStatus
  freshness {
    status
    deadline
  }
  updatedAt
}
    `, {"fragmentName":"GraphAsset"}) as unknown as TypedDocumentString<GraphAssetFragment, unknown>;
export const CatalogAssetFragmentDoc = new TypedDocumentString(`
    fragment CatalogAsset on Asset {
  key {
    path
    string
  }
  declared
  definition {
    group
    owners
    kinds
  }
  latestMaterialization {
    timestamp
  }
  latestObservation {
    timestamp
  }
  checkStatus
  freshness {
    status
    deadline
  }
  updatedAt
}
    `, {"fragmentName":"CatalogAsset"}) as unknown as TypedDocumentString<CatalogAssetFragment, unknown>;
export const AssetPageDocument = new TypedDocumentString(`
    query AssetPage($key: AssetKeyInput!) {
  asset(key: $key) {
    key {
      path
      string
    }
    declared
    definition {
      description
      group
      owners
      tags {
        key
        value
      }
      kinds
      codeVersion
      metadata {
        key
        type
        value
      }
      deps {
        path
        string
      }
      freshness {
        maxLag
        cron
      }
      location
      launchable
      pipes {
        command
        cwd
        timeoutSeconds
      }
    }
    latestMaterialization {
      ...EventFields
    }
    latestObservation {
      ...EventFields
    }
    latestFailure {
      ...EventFields
    }
    checkStatus
    freshness {
      status
      deadline
    }
    checks {
      name
      status
      spec {
        description
        blocking
        severity
      }
      latestEvaluation {
        storageId
        timestamp
        partition
      }
    }
    upstream {
      key {
        path
        string
      }
    }
    downstream {
      key {
        path
        string
      }
    }
    partitions(first: 30) {
      partition
    }
    runs(first: 5) {
      nodes {
        id
        status
        partition
        createdAt
        startedAt
        endedAt
      }
    }
    updatedAt
  }
}
    fragment EventFields on Event {
  storageId
  type
  timestamp
  runId
  assetKey {
    path
    string
  }
  partition
  dataVersion
  description
  checkName
  passed
  severity
  level
  message
  metadata {
    key
    type
    value
  }
}`) as unknown as TypedDocumentString<AssetPageQuery, AssetPageQueryVariables>;
export const AssetPageUpdatedDocument = new TypedDocumentString(`
    subscription AssetPageUpdated($selection: String!) {
  assetUpdated(selection: $selection) {
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<AssetPageUpdatedSubscription, AssetPageUpdatedSubscriptionVariables>;
export const LaunchRunDocument = new TypedDocumentString(`
    mutation LaunchRun($assetKeys: [AssetKeyInput!]!, $partition: String) {
  launchRun(assetKeys: $assetKeys, partition: $partition) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<LaunchRunMutation, LaunchRunMutationVariables>;
export const CatalogDocument = new TypedDocumentString(`
    query Catalog($selection: String, $first: Int!, $after: String, $orderBy: AssetOrder, $descending: Boolean) {
  assets(
    selection: $selection
    first: $first
    after: $after
    orderBy: $orderBy
    descending: $descending
  ) {
    totalCount
    nodes {
      ...CatalogAsset
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment CatalogAsset on Asset {
  key {
    path
    string
  }
  declared
  definition {
    group
    owners
    kinds
  }
  latestMaterialization {
    timestamp
  }
  latestObservation {
    timestamp
  }
  checkStatus
  freshness {
    status
    deadline
  }
  updatedAt
}`) as unknown as TypedDocumentString<CatalogQuery, CatalogQueryVariables>;
export const CatalogFacetsDocument = new TypedDocumentString(`
    query CatalogFacets {
  assets(first: 10000) {
    nodes {
      definition {
        group
        kinds
        owners
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CatalogFacetsQuery, CatalogFacetsQueryVariables>;
export const CatalogAssetUpdatedDocument = new TypedDocumentString(`
    subscription CatalogAssetUpdated($selection: String) {
  assetUpdated(selection: $selection) {
    ...CatalogAsset
  }
}
    fragment CatalogAsset on Asset {
  key {
    path
    string
  }
  declared
  definition {
    group
    owners
    kinds
  }
  latestMaterialization {
    timestamp
  }
  latestObservation {
    timestamp
  }
  checkStatus
  freshness {
    status
    deadline
  }
  updatedAt
}`) as unknown as TypedDocumentString<CatalogAssetUpdatedSubscription, CatalogAssetUpdatedSubscriptionVariables>;
export const RecentEventsDocument = new TypedDocumentString(`
    query RecentEvents($filter: EventFilter, $last: Int!, $before: ID) {
  events(filter: $filter, last: $last, before: $before) {
    nodes {
      ...EventFields
    }
    pageInfo {
      hasPreviousPage
      startCursor
    }
  }
}
    fragment EventFields on Event {
  storageId
  type
  timestamp
  runId
  assetKey {
    path
    string
  }
  partition
  dataVersion
  description
  checkName
  passed
  severity
  level
  message
  metadata {
    key
    type
    value
  }
}`) as unknown as TypedDocumentString<RecentEventsQuery, RecentEventsQueryVariables>;
export const EventStreamDocument = new TypedDocumentString(`
    subscription EventStream($filter: EventFilter, $after: ID) {
  events(filter: $filter, after: $after) {
    ...EventFields
  }
}
    fragment EventFields on Event {
  storageId
  type
  timestamp
  runId
  assetKey {
    path
    string
  }
  partition
  dataVersion
  description
  checkName
  passed
  severity
  level
  message
  metadata {
    key
    type
    value
  }
}`) as unknown as TypedDocumentString<EventStreamSubscription, EventStreamSubscriptionVariables>;
export const AssetGraphDocument = new TypedDocumentString(`
    query AssetGraph($selection: String, $limit: Int) {
  assetGraph(selection: $selection, limit: $limit) {
    nodes {
      ...GraphAsset
    }
    edges {
      from {
        string
      }
      to {
        string
      }
    }
    truncated
  }
}
    fragment GraphAsset on Asset {
  key {
    path
    string
  }
  declared
  definition {
    group
    kinds
    launchable
  }
  latestMaterialization {
    timestamp
  }
  latestObservation {
    timestamp
  }
  latestFailure {
    timestamp
  }
  checkStatus
  freshness {
    status
    deadline
  }
  updatedAt
}`) as unknown as TypedDocumentString<AssetGraphQuery, AssetGraphQueryVariables>;
export const GraphAssetUpdatedDocument = new TypedDocumentString(`
    subscription GraphAssetUpdated($selection: String) {
  assetUpdated(selection: $selection) {
    ...GraphAsset
  }
}
    fragment GraphAsset on Asset {
  key {
    path
    string
  }
  declared
  definition {
    group
    kinds
    launchable
  }
  latestMaterialization {
    timestamp
  }
  latestObservation {
    timestamp
  }
  latestFailure {
    timestamp
  }
  checkStatus
  freshness {
    status
    deadline
  }
  updatedAt
}`) as unknown as TypedDocumentString<GraphAssetUpdatedSubscription, GraphAssetUpdatedSubscriptionVariables>;
export const DefinitionsAppliedDocument = new TypedDocumentString(`
    subscription DefinitionsApplied {
  events(filter: {types: ["DEFINITIONS_APPLIED"]}) {
    storageId
  }
}
    `) as unknown as TypedDocumentString<DefinitionsAppliedSubscription, DefinitionsAppliedSubscriptionVariables>;
export const RunDocument = new TypedDocumentString(`
    query Run($id: ID!) {
  run(id: $id) {
    id
    status
    assetKeys {
      path
      string
    }
    partition
    tags {
      key
      value
    }
    launchedBy
    command
    createdAt
    startedAt
    endedAt
    message
    exitCode
    stdoutSize
    stderrSize
  }
}
    `) as unknown as TypedDocumentString<RunQuery, RunQueryVariables>;
export const RunLogsDocument = new TypedDocumentString(`
    subscription RunLogs($runId: ID!, $after: ID) {
  runLogs(runId: $runId, after: $after) {
    ...EventFields
  }
}
    fragment EventFields on Event {
  storageId
  type
  timestamp
  runId
  assetKey {
    path
    string
  }
  partition
  dataVersion
  description
  checkName
  passed
  severity
  level
  message
  metadata {
    key
    type
    value
  }
}`) as unknown as TypedDocumentString<RunLogsSubscription, RunLogsSubscriptionVariables>;
export const CancelRunDocument = new TypedDocumentString(`
    mutation CancelRun($id: ID!) {
  cancelRun(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<CancelRunMutation, CancelRunMutationVariables>;
export const RunStdoutDocument = new TypedDocumentString(`
    query RunStdout($id: ID!, $offset: Int!) {
  run(id: $id) {
    stdout(offset: $offset)
  }
}
    `) as unknown as TypedDocumentString<RunStdoutQuery, RunStdoutQueryVariables>;
export const RunStderrDocument = new TypedDocumentString(`
    query RunStderr($id: ID!, $offset: Int!) {
  run(id: $id) {
    stderr(offset: $offset)
  }
}
    `) as unknown as TypedDocumentString<RunStderrQuery, RunStderrQueryVariables>;
export const RunsDocument = new TypedDocumentString(`
    query Runs($statuses: [String!], $first: Int!, $after: String) {
  runs(filter: {statuses: $statuses}, first: $first, after: $after) {
    nodes {
      id
      status
      assetKeys {
        path
        string
      }
      partition
      launchedBy
      createdAt
      startedAt
      endedAt
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<RunsQuery, RunsQueryVariables>;
export const RunStatusEventsDocument = new TypedDocumentString(`
    subscription RunStatusEvents {
  events(
    filter: {types: ["RUN_ENQUEUED", "RUN_STARTING", "RUN_START", "RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELING", "RUN_CANCELED"]}
  ) {
    storageId
    runId
  }
}
    `) as unknown as TypedDocumentString<RunStatusEventsSubscription, RunStatusEventsSubscriptionVariables>;
export const ReportEventsDocument = new TypedDocumentString(`
    mutation ReportEvents($events: [EventInput!]!) {
  reportEvents(events: $events) {
    storageIds
  }
}
    `) as unknown as TypedDocumentString<ReportEventsMutation, ReportEventsMutationVariables>;
export const AssetEventsDocument = new TypedDocumentString(`
    query AssetEvents($key: AssetKeyInput!, $types: [String!], $partition: String, $first: Int!, $after: ID) {
  asset(key: $key) {
    events(types: $types, partition: $partition, first: $first, after: $after) {
      nodes {
        ...EventFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment EventFields on Event {
  storageId
  type
  timestamp
  runId
  assetKey {
    path
    string
  }
  partition
  dataVersion
  description
  checkName
  passed
  severity
  level
  message
  metadata {
    key
    type
    value
  }
}`) as unknown as TypedDocumentString<AssetEventsQuery, AssetEventsQueryVariables>;
export const AssetPlotsDocument = new TypedDocumentString(`
    query AssetPlots($key: AssetKeyInput!, $first: Int!) {
  asset(key: $key) {
    events(types: ["ASSET_MATERIALIZATION", "ASSET_OBSERVATION"], first: $first) {
      nodes {
        storageId
        timestamp
        metadata {
          key
          type
          value
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AssetPlotsQuery, AssetPlotsQueryVariables>;
export const CheckEvaluationsDocument = new TypedDocumentString(`
    query CheckEvaluations($key: AssetKeyInput!, $first: Int!, $after: ID) {
  asset(key: $key) {
    checks {
      name
      evaluations(first: $first, after: $after) {
        nodes {
          ...EventFields
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
}
    fragment EventFields on Event {
  storageId
  type
  timestamp
  runId
  assetKey {
    path
    string
  }
  partition
  dataVersion
  description
  checkName
  passed
  severity
  level
  message
  metadata {
    key
    type
    value
  }
}`) as unknown as TypedDocumentString<CheckEvaluationsQuery, CheckEvaluationsQueryVariables>;
export const AssetLineageDocument = new TypedDocumentString(`
    query AssetLineage($key: AssetKeyInput!, $depth: Int!) {
  lineage(key: $key, direction: BOTH, depth: $depth, limit: 300) {
    nodes {
      ...GraphAsset
    }
    edges {
      from {
        string
      }
      to {
        string
      }
    }
    truncated
  }
}
    fragment GraphAsset on Asset {
  key {
    path
    string
  }
  declared
  definition {
    group
    kinds
    launchable
  }
  latestMaterialization {
    timestamp
  }
  latestObservation {
    timestamp
  }
  latestFailure {
    timestamp
  }
  checkStatus
  freshness {
    status
    deadline
  }
  updatedAt
}`) as unknown as TypedDocumentString<AssetLineageQuery, AssetLineageQueryVariables>;