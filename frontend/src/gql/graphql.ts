/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AssetListQueryVariables = Exact<{
  first: number;
}>;


export type AssetListQuery = { assets: { totalCount: number, nodes: Array<{ key: { path: Array<string>, string: string }, definition: { group: string | null } | null }> } };

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

export const AssetListDocument = new TypedDocumentString(`
    query AssetList($first: Int!) {
  assets(first: $first) {
    totalCount
    nodes {
      key {
        path
        string
      }
      definition {
        group
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AssetListQuery, AssetListQueryVariables>;