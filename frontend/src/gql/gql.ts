/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment EventFields on Event {\n    storageId\n    type\n    timestamp\n    runId\n    assetKey {\n      path\n      string\n    }\n    partition\n    dataVersion\n    description\n    checkName\n    passed\n    severity\n    level\n    message\n    metadata {\n      key\n      type\n      value\n    }\n  }\n": typeof types.EventFieldsFragmentDoc,
    "\n  fragment GraphAsset on Asset {\n    key {\n      path\n      string\n    }\n    declared\n    definition {\n      group\n      kinds\n      launchable\n    }\n    latestMaterialization {\n      timestamp\n    }\n    latestObservation {\n      timestamp\n    }\n    latestFailure {\n      timestamp\n    }\n    checkStatus\n    freshness {\n      status\n      deadline\n    }\n    updatedAt\n  }\n": typeof types.GraphAssetFragmentDoc,
    "\n  query AssetPage($key: AssetKeyInput!) {\n    asset(key: $key) {\n      key {\n        path\n        string\n      }\n      declared\n      definition {\n        description\n        group\n        owners\n        tags {\n          key\n          value\n        }\n        kinds\n        codeVersion\n        metadata {\n          key\n          type\n          value\n        }\n        deps {\n          path\n          string\n        }\n        freshness {\n          maxLag\n          cron\n        }\n        location\n        launchable\n        pipes {\n          command\n          cwd\n          timeoutSeconds\n        }\n      }\n      latestMaterialization {\n        ...EventFields\n      }\n      latestObservation {\n        ...EventFields\n      }\n      latestFailure {\n        ...EventFields\n      }\n      checkStatus\n      freshness {\n        status\n        deadline\n      }\n      checks {\n        name\n        status\n        spec {\n          description\n          blocking\n          severity\n        }\n        latestEvaluation {\n          storageId\n          timestamp\n          partition\n        }\n      }\n      upstream {\n        key {\n          path\n          string\n        }\n      }\n      downstream {\n        key {\n          path\n          string\n        }\n      }\n      partitions(first: 30) {\n        partition\n      }\n      runs(first: 5) {\n        nodes {\n          id\n          status\n          partition\n          createdAt\n          startedAt\n          endedAt\n        }\n      }\n      updatedAt\n    }\n  }\n": typeof types.AssetPageDocument,
    "\n  subscription AssetPageUpdated($selection: String!) {\n    assetUpdated(selection: $selection) {\n      updatedAt\n    }\n  }\n": typeof types.AssetPageUpdatedDocument,
    "\n  mutation LaunchRun($assetKeys: [AssetKeyInput!]!, $partition: String) {\n    launchRun(assetKeys: $assetKeys, partition: $partition) {\n      id\n      status\n    }\n  }\n": typeof types.LaunchRunDocument,
    "\n  fragment CatalogAsset on Asset {\n    key {\n      path\n      string\n    }\n    declared\n    definition {\n      group\n      owners\n      kinds\n    }\n    latestMaterialization {\n      timestamp\n    }\n    latestObservation {\n      timestamp\n    }\n    checkStatus\n    freshness {\n      status\n      deadline\n    }\n    updatedAt\n  }\n": typeof types.CatalogAssetFragmentDoc,
    "\n  query Catalog($selection: String, $first: Int!, $after: String, $orderBy: AssetOrder, $descending: Boolean) {\n    assets(selection: $selection, first: $first, after: $after, orderBy: $orderBy, descending: $descending) {\n      totalCount\n      nodes {\n        ...CatalogAsset\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.CatalogDocument,
    "\n  query CatalogFacets {\n    assets(first: 10000) {\n      nodes {\n        definition {\n          group\n          kinds\n          owners\n        }\n      }\n    }\n  }\n": typeof types.CatalogFacetsDocument,
    "\n  subscription CatalogAssetUpdated($selection: String) {\n    assetUpdated(selection: $selection) {\n      ...CatalogAsset\n    }\n  }\n": typeof types.CatalogAssetUpdatedDocument,
    "\n  query RecentEvents($filter: EventFilter, $last: Int!, $before: ID) {\n    events(filter: $filter, last: $last, before: $before) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasPreviousPage\n        startCursor\n      }\n    }\n  }\n": typeof types.RecentEventsDocument,
    "\n  subscription EventStream($filter: EventFilter, $after: ID) {\n    events(filter: $filter, after: $after) {\n      ...EventFields\n    }\n  }\n": typeof types.EventStreamDocument,
    "\n  query AssetGraph($selection: String, $limit: Int) {\n    assetGraph(selection: $selection, limit: $limit) {\n      nodes {\n        ...GraphAsset\n      }\n      edges {\n        from {\n          string\n        }\n        to {\n          string\n        }\n      }\n      truncated\n    }\n  }\n": typeof types.AssetGraphDocument,
    "\n  subscription GraphAssetUpdated($selection: String) {\n    assetUpdated(selection: $selection) {\n      ...GraphAsset\n    }\n  }\n": typeof types.GraphAssetUpdatedDocument,
    "\n  subscription DefinitionsApplied {\n    events(filter: { types: [\"DEFINITIONS_APPLIED\"] }) {\n      storageId\n    }\n  }\n": typeof types.DefinitionsAppliedDocument,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      assetKeys {\n        path\n        string\n      }\n      partition\n      tags {\n        key\n        value\n      }\n      launchedBy\n      command\n      createdAt\n      startedAt\n      endedAt\n      message\n      exitCode\n      stdoutSize\n      stderrSize\n    }\n  }\n": typeof types.RunDocument,
    "\n  subscription RunLogs($runId: ID!, $after: ID) {\n    runLogs(runId: $runId, after: $after) {\n      ...EventFields\n    }\n  }\n": typeof types.RunLogsDocument,
    "\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.CancelRunDocument,
    "\n  query RunStdout($id: ID!, $offset: Int!) {\n    run(id: $id) {\n      stdout(offset: $offset)\n    }\n  }\n": typeof types.RunStdoutDocument,
    "\n  query RunStderr($id: ID!, $offset: Int!) {\n    run(id: $id) {\n      stderr(offset: $offset)\n    }\n  }\n": typeof types.RunStderrDocument,
    "\n  query Runs($statuses: [String!], $first: Int!, $after: String) {\n    runs(filter: { statuses: $statuses }, first: $first, after: $after) {\n      nodes {\n        id\n        status\n        assetKeys {\n          path\n          string\n        }\n        partition\n        launchedBy\n        createdAt\n        startedAt\n        endedAt\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.RunsDocument,
    "\n  subscription RunStatusEvents {\n    events(filter: { types: [\"RUN_ENQUEUED\", \"RUN_STARTING\", \"RUN_START\", \"RUN_SUCCESS\", \"RUN_FAILURE\", \"RUN_CANCELING\", \"RUN_CANCELED\"] }) {\n      storageId\n      runId\n    }\n  }\n": typeof types.RunStatusEventsDocument,
    "\n  mutation ReportEvents($events: [EventInput!]!) {\n    reportEvents(events: $events) {\n      storageIds\n    }\n  }\n": typeof types.ReportEventsDocument,
    "\n  query AssetEvents($key: AssetKeyInput!, $types: [String!], $partition: String, $first: Int!, $after: ID) {\n    asset(key: $key) {\n      events(types: $types, partition: $partition, first: $first, after: $after) {\n        nodes {\n          ...EventFields\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.AssetEventsDocument,
    "\n  query AssetPlots($key: AssetKeyInput!, $first: Int!) {\n    asset(key: $key) {\n      events(types: [\"ASSET_MATERIALIZATION\", \"ASSET_OBSERVATION\"], first: $first) {\n        nodes {\n          storageId\n          timestamp\n          metadata {\n            key\n            type\n            value\n          }\n        }\n      }\n    }\n  }\n": typeof types.AssetPlotsDocument,
    "\n  query CheckEvaluations($key: AssetKeyInput!, $first: Int!, $after: ID) {\n    asset(key: $key) {\n      checks {\n        name\n        evaluations(first: $first, after: $after) {\n          nodes {\n            ...EventFields\n          }\n          pageInfo {\n            hasNextPage\n            endCursor\n          }\n        }\n      }\n    }\n  }\n": typeof types.CheckEvaluationsDocument,
    "\n  query AssetLineage($key: AssetKeyInput!, $depth: Int!) {\n    lineage(key: $key, direction: BOTH, depth: $depth, limit: 300) {\n      nodes {\n        ...GraphAsset\n      }\n      edges {\n        from {\n          string\n        }\n        to {\n          string\n        }\n      }\n      truncated\n    }\n  }\n": typeof types.AssetLineageDocument,
};
const documents: Documents = {
    "\n  fragment EventFields on Event {\n    storageId\n    type\n    timestamp\n    runId\n    assetKey {\n      path\n      string\n    }\n    partition\n    dataVersion\n    description\n    checkName\n    passed\n    severity\n    level\n    message\n    metadata {\n      key\n      type\n      value\n    }\n  }\n": types.EventFieldsFragmentDoc,
    "\n  fragment GraphAsset on Asset {\n    key {\n      path\n      string\n    }\n    declared\n    definition {\n      group\n      kinds\n      launchable\n    }\n    latestMaterialization {\n      timestamp\n    }\n    latestObservation {\n      timestamp\n    }\n    latestFailure {\n      timestamp\n    }\n    checkStatus\n    freshness {\n      status\n      deadline\n    }\n    updatedAt\n  }\n": types.GraphAssetFragmentDoc,
    "\n  query AssetPage($key: AssetKeyInput!) {\n    asset(key: $key) {\n      key {\n        path\n        string\n      }\n      declared\n      definition {\n        description\n        group\n        owners\n        tags {\n          key\n          value\n        }\n        kinds\n        codeVersion\n        metadata {\n          key\n          type\n          value\n        }\n        deps {\n          path\n          string\n        }\n        freshness {\n          maxLag\n          cron\n        }\n        location\n        launchable\n        pipes {\n          command\n          cwd\n          timeoutSeconds\n        }\n      }\n      latestMaterialization {\n        ...EventFields\n      }\n      latestObservation {\n        ...EventFields\n      }\n      latestFailure {\n        ...EventFields\n      }\n      checkStatus\n      freshness {\n        status\n        deadline\n      }\n      checks {\n        name\n        status\n        spec {\n          description\n          blocking\n          severity\n        }\n        latestEvaluation {\n          storageId\n          timestamp\n          partition\n        }\n      }\n      upstream {\n        key {\n          path\n          string\n        }\n      }\n      downstream {\n        key {\n          path\n          string\n        }\n      }\n      partitions(first: 30) {\n        partition\n      }\n      runs(first: 5) {\n        nodes {\n          id\n          status\n          partition\n          createdAt\n          startedAt\n          endedAt\n        }\n      }\n      updatedAt\n    }\n  }\n": types.AssetPageDocument,
    "\n  subscription AssetPageUpdated($selection: String!) {\n    assetUpdated(selection: $selection) {\n      updatedAt\n    }\n  }\n": types.AssetPageUpdatedDocument,
    "\n  mutation LaunchRun($assetKeys: [AssetKeyInput!]!, $partition: String) {\n    launchRun(assetKeys: $assetKeys, partition: $partition) {\n      id\n      status\n    }\n  }\n": types.LaunchRunDocument,
    "\n  fragment CatalogAsset on Asset {\n    key {\n      path\n      string\n    }\n    declared\n    definition {\n      group\n      owners\n      kinds\n    }\n    latestMaterialization {\n      timestamp\n    }\n    latestObservation {\n      timestamp\n    }\n    checkStatus\n    freshness {\n      status\n      deadline\n    }\n    updatedAt\n  }\n": types.CatalogAssetFragmentDoc,
    "\n  query Catalog($selection: String, $first: Int!, $after: String, $orderBy: AssetOrder, $descending: Boolean) {\n    assets(selection: $selection, first: $first, after: $after, orderBy: $orderBy, descending: $descending) {\n      totalCount\n      nodes {\n        ...CatalogAsset\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.CatalogDocument,
    "\n  query CatalogFacets {\n    assets(first: 10000) {\n      nodes {\n        definition {\n          group\n          kinds\n          owners\n        }\n      }\n    }\n  }\n": types.CatalogFacetsDocument,
    "\n  subscription CatalogAssetUpdated($selection: String) {\n    assetUpdated(selection: $selection) {\n      ...CatalogAsset\n    }\n  }\n": types.CatalogAssetUpdatedDocument,
    "\n  query RecentEvents($filter: EventFilter, $last: Int!, $before: ID) {\n    events(filter: $filter, last: $last, before: $before) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasPreviousPage\n        startCursor\n      }\n    }\n  }\n": types.RecentEventsDocument,
    "\n  subscription EventStream($filter: EventFilter, $after: ID) {\n    events(filter: $filter, after: $after) {\n      ...EventFields\n    }\n  }\n": types.EventStreamDocument,
    "\n  query AssetGraph($selection: String, $limit: Int) {\n    assetGraph(selection: $selection, limit: $limit) {\n      nodes {\n        ...GraphAsset\n      }\n      edges {\n        from {\n          string\n        }\n        to {\n          string\n        }\n      }\n      truncated\n    }\n  }\n": types.AssetGraphDocument,
    "\n  subscription GraphAssetUpdated($selection: String) {\n    assetUpdated(selection: $selection) {\n      ...GraphAsset\n    }\n  }\n": types.GraphAssetUpdatedDocument,
    "\n  subscription DefinitionsApplied {\n    events(filter: { types: [\"DEFINITIONS_APPLIED\"] }) {\n      storageId\n    }\n  }\n": types.DefinitionsAppliedDocument,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      assetKeys {\n        path\n        string\n      }\n      partition\n      tags {\n        key\n        value\n      }\n      launchedBy\n      command\n      createdAt\n      startedAt\n      endedAt\n      message\n      exitCode\n      stdoutSize\n      stderrSize\n    }\n  }\n": types.RunDocument,
    "\n  subscription RunLogs($runId: ID!, $after: ID) {\n    runLogs(runId: $runId, after: $after) {\n      ...EventFields\n    }\n  }\n": types.RunLogsDocument,
    "\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      id\n      status\n    }\n  }\n": types.CancelRunDocument,
    "\n  query RunStdout($id: ID!, $offset: Int!) {\n    run(id: $id) {\n      stdout(offset: $offset)\n    }\n  }\n": types.RunStdoutDocument,
    "\n  query RunStderr($id: ID!, $offset: Int!) {\n    run(id: $id) {\n      stderr(offset: $offset)\n    }\n  }\n": types.RunStderrDocument,
    "\n  query Runs($statuses: [String!], $first: Int!, $after: String) {\n    runs(filter: { statuses: $statuses }, first: $first, after: $after) {\n      nodes {\n        id\n        status\n        assetKeys {\n          path\n          string\n        }\n        partition\n        launchedBy\n        createdAt\n        startedAt\n        endedAt\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.RunsDocument,
    "\n  subscription RunStatusEvents {\n    events(filter: { types: [\"RUN_ENQUEUED\", \"RUN_STARTING\", \"RUN_START\", \"RUN_SUCCESS\", \"RUN_FAILURE\", \"RUN_CANCELING\", \"RUN_CANCELED\"] }) {\n      storageId\n      runId\n    }\n  }\n": types.RunStatusEventsDocument,
    "\n  mutation ReportEvents($events: [EventInput!]!) {\n    reportEvents(events: $events) {\n      storageIds\n    }\n  }\n": types.ReportEventsDocument,
    "\n  query AssetEvents($key: AssetKeyInput!, $types: [String!], $partition: String, $first: Int!, $after: ID) {\n    asset(key: $key) {\n      events(types: $types, partition: $partition, first: $first, after: $after) {\n        nodes {\n          ...EventFields\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.AssetEventsDocument,
    "\n  query AssetPlots($key: AssetKeyInput!, $first: Int!) {\n    asset(key: $key) {\n      events(types: [\"ASSET_MATERIALIZATION\", \"ASSET_OBSERVATION\"], first: $first) {\n        nodes {\n          storageId\n          timestamp\n          metadata {\n            key\n            type\n            value\n          }\n        }\n      }\n    }\n  }\n": types.AssetPlotsDocument,
    "\n  query CheckEvaluations($key: AssetKeyInput!, $first: Int!, $after: ID) {\n    asset(key: $key) {\n      checks {\n        name\n        evaluations(first: $first, after: $after) {\n          nodes {\n            ...EventFields\n          }\n          pageInfo {\n            hasNextPage\n            endCursor\n          }\n        }\n      }\n    }\n  }\n": types.CheckEvaluationsDocument,
    "\n  query AssetLineage($key: AssetKeyInput!, $depth: Int!) {\n    lineage(key: $key, direction: BOTH, depth: $depth, limit: 300) {\n      nodes {\n        ...GraphAsset\n      }\n      edges {\n        from {\n          string\n        }\n        to {\n          string\n        }\n      }\n      truncated\n    }\n  }\n": types.AssetLineageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EventFields on Event {\n    storageId\n    type\n    timestamp\n    runId\n    assetKey {\n      path\n      string\n    }\n    partition\n    dataVersion\n    description\n    checkName\n    passed\n    severity\n    level\n    message\n    metadata {\n      key\n      type\n      value\n    }\n  }\n"): typeof import('./graphql').EventFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment GraphAsset on Asset {\n    key {\n      path\n      string\n    }\n    declared\n    definition {\n      group\n      kinds\n      launchable\n    }\n    latestMaterialization {\n      timestamp\n    }\n    latestObservation {\n      timestamp\n    }\n    latestFailure {\n      timestamp\n    }\n    checkStatus\n    freshness {\n      status\n      deadline\n    }\n    updatedAt\n  }\n"): typeof import('./graphql').GraphAssetFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AssetPage($key: AssetKeyInput!) {\n    asset(key: $key) {\n      key {\n        path\n        string\n      }\n      declared\n      definition {\n        description\n        group\n        owners\n        tags {\n          key\n          value\n        }\n        kinds\n        codeVersion\n        metadata {\n          key\n          type\n          value\n        }\n        deps {\n          path\n          string\n        }\n        freshness {\n          maxLag\n          cron\n        }\n        location\n        launchable\n        pipes {\n          command\n          cwd\n          timeoutSeconds\n        }\n      }\n      latestMaterialization {\n        ...EventFields\n      }\n      latestObservation {\n        ...EventFields\n      }\n      latestFailure {\n        ...EventFields\n      }\n      checkStatus\n      freshness {\n        status\n        deadline\n      }\n      checks {\n        name\n        status\n        spec {\n          description\n          blocking\n          severity\n        }\n        latestEvaluation {\n          storageId\n          timestamp\n          partition\n        }\n      }\n      upstream {\n        key {\n          path\n          string\n        }\n      }\n      downstream {\n        key {\n          path\n          string\n        }\n      }\n      partitions(first: 30) {\n        partition\n      }\n      runs(first: 5) {\n        nodes {\n          id\n          status\n          partition\n          createdAt\n          startedAt\n          endedAt\n        }\n      }\n      updatedAt\n    }\n  }\n"): typeof import('./graphql').AssetPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AssetPageUpdated($selection: String!) {\n    assetUpdated(selection: $selection) {\n      updatedAt\n    }\n  }\n"): typeof import('./graphql').AssetPageUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LaunchRun($assetKeys: [AssetKeyInput!]!, $partition: String) {\n    launchRun(assetKeys: $assetKeys, partition: $partition) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').LaunchRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CatalogAsset on Asset {\n    key {\n      path\n      string\n    }\n    declared\n    definition {\n      group\n      owners\n      kinds\n    }\n    latestMaterialization {\n      timestamp\n    }\n    latestObservation {\n      timestamp\n    }\n    checkStatus\n    freshness {\n      status\n      deadline\n    }\n    updatedAt\n  }\n"): typeof import('./graphql').CatalogAssetFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Catalog($selection: String, $first: Int!, $after: String, $orderBy: AssetOrder, $descending: Boolean) {\n    assets(selection: $selection, first: $first, after: $after, orderBy: $orderBy, descending: $descending) {\n      totalCount\n      nodes {\n        ...CatalogAsset\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql').CatalogDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CatalogFacets {\n    assets(first: 10000) {\n      nodes {\n        definition {\n          group\n          kinds\n          owners\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CatalogFacetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CatalogAssetUpdated($selection: String) {\n    assetUpdated(selection: $selection) {\n      ...CatalogAsset\n    }\n  }\n"): typeof import('./graphql').CatalogAssetUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentEvents($filter: EventFilter, $last: Int!, $before: ID) {\n    events(filter: $filter, last: $last, before: $before) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        hasPreviousPage\n        startCursor\n      }\n    }\n  }\n"): typeof import('./graphql').RecentEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription EventStream($filter: EventFilter, $after: ID) {\n    events(filter: $filter, after: $after) {\n      ...EventFields\n    }\n  }\n"): typeof import('./graphql').EventStreamDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AssetGraph($selection: String, $limit: Int) {\n    assetGraph(selection: $selection, limit: $limit) {\n      nodes {\n        ...GraphAsset\n      }\n      edges {\n        from {\n          string\n        }\n        to {\n          string\n        }\n      }\n      truncated\n    }\n  }\n"): typeof import('./graphql').AssetGraphDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GraphAssetUpdated($selection: String) {\n    assetUpdated(selection: $selection) {\n      ...GraphAsset\n    }\n  }\n"): typeof import('./graphql').GraphAssetUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DefinitionsApplied {\n    events(filter: { types: [\"DEFINITIONS_APPLIED\"] }) {\n      storageId\n    }\n  }\n"): typeof import('./graphql').DefinitionsAppliedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      assetKeys {\n        path\n        string\n      }\n      partition\n      tags {\n        key\n        value\n      }\n      launchedBy\n      command\n      createdAt\n      startedAt\n      endedAt\n      message\n      exitCode\n      stdoutSize\n      stderrSize\n    }\n  }\n"): typeof import('./graphql').RunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunLogs($runId: ID!, $after: ID) {\n    runLogs(runId: $runId, after: $after) {\n      ...EventFields\n    }\n  }\n"): typeof import('./graphql').RunLogsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelRun($id: ID!) {\n    cancelRun(id: $id) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').CancelRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunStdout($id: ID!, $offset: Int!) {\n    run(id: $id) {\n      stdout(offset: $offset)\n    }\n  }\n"): typeof import('./graphql').RunStdoutDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunStderr($id: ID!, $offset: Int!) {\n    run(id: $id) {\n      stderr(offset: $offset)\n    }\n  }\n"): typeof import('./graphql').RunStderrDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Runs($statuses: [String!], $first: Int!, $after: String) {\n    runs(filter: { statuses: $statuses }, first: $first, after: $after) {\n      nodes {\n        id\n        status\n        assetKeys {\n          path\n          string\n        }\n        partition\n        launchedBy\n        createdAt\n        startedAt\n        endedAt\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql').RunsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunStatusEvents {\n    events(filter: { types: [\"RUN_ENQUEUED\", \"RUN_STARTING\", \"RUN_START\", \"RUN_SUCCESS\", \"RUN_FAILURE\", \"RUN_CANCELING\", \"RUN_CANCELED\"] }) {\n      storageId\n      runId\n    }\n  }\n"): typeof import('./graphql').RunStatusEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportEvents($events: [EventInput!]!) {\n    reportEvents(events: $events) {\n      storageIds\n    }\n  }\n"): typeof import('./graphql').ReportEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AssetEvents($key: AssetKeyInput!, $types: [String!], $partition: String, $first: Int!, $after: ID) {\n    asset(key: $key) {\n      events(types: $types, partition: $partition, first: $first, after: $after) {\n        nodes {\n          ...EventFields\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').AssetEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AssetPlots($key: AssetKeyInput!, $first: Int!) {\n    asset(key: $key) {\n      events(types: [\"ASSET_MATERIALIZATION\", \"ASSET_OBSERVATION\"], first: $first) {\n        nodes {\n          storageId\n          timestamp\n          metadata {\n            key\n            type\n            value\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').AssetPlotsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CheckEvaluations($key: AssetKeyInput!, $first: Int!, $after: ID) {\n    asset(key: $key) {\n      checks {\n        name\n        evaluations(first: $first, after: $after) {\n          nodes {\n            ...EventFields\n          }\n          pageInfo {\n            hasNextPage\n            endCursor\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CheckEvaluationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AssetLineage($key: AssetKeyInput!, $depth: Int!) {\n    lineage(key: $key, direction: BOTH, depth: $depth, limit: 300) {\n      nodes {\n        ...GraphAsset\n      }\n      edges {\n        from {\n          string\n        }\n        to {\n          string\n        }\n      }\n      truncated\n    }\n  }\n"): typeof import('./graphql').AssetLineageDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
