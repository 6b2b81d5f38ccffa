/**
 * endpoints returns the same-origin GraphQL URLs for a page location: HTTP for queries and
 * mutations, WebSocket (graphql-transport-ws) for subscriptions.
 */
export function endpoints(location: { protocol: string; host: string }): { url: string; subscriptionUrl: string } {
  const ws = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return {
    url: `${location.protocol}//${location.host}/graphql`,
    subscriptionUrl: `${ws}//${location.host}/graphql`,
  }
}
