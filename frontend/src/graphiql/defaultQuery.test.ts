import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { buildSchema, parse, validate } from 'graphql'
import { describe, expect, it } from 'vitest'
import { DEFAULT_QUERY } from './defaultQuery.ts'
import { endpoints } from './endpoints.ts'

describe('DEFAULT_QUERY', () => {
  it('is valid against schema.graphqls', () => {
    const schema = buildSchema(readFileSync(resolve(import.meta.dirname, '../../../schema.graphqls'), 'utf8'))
    const errors = validate(schema, parse(DEFAULT_QUERY))
    expect(errors.map((e) => e.message)).toEqual([])
  })
})

describe('endpoints', () => {
  it('uses the page origin, ws for http and wss for https', () => {
    expect(endpoints({ protocol: 'http:', host: '127.0.0.1:3000' })).toEqual({
      url: 'http://127.0.0.1:3000/graphql',
      subscriptionUrl: 'ws://127.0.0.1:3000/graphql',
    })
    expect(endpoints({ protocol: 'https:', host: 'plumbline.example.com' })).toEqual({
      url: 'https://plumbline.example.com/graphql',
      subscriptionUrl: 'wss://plumbline.example.com/graphql',
    })
  })
})
