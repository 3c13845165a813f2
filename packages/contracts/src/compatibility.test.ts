import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { breakingChanges, compareSnapshots, currentSnapshot } from './compatibility';

const committed = JSON.parse(readFileSync(join(__dirname, '..', 'schema-snapshots', 'events.json'), 'utf8'));

describe('event contracts inside a version', () => {
  it('when compared with the committed snapshot, then every change is additive', () => {
    expect(compareSnapshots(committed, currentSnapshot())).toEqual([]);
  });

  it('when every event type of the snapshot is still published, then none was dropped', () => {
    expect(Object.keys(currentSnapshot())).toEqual(expect.arrayContaining(Object.keys(committed)));
  });
});

describe('breakingChanges', () => {
  const v1 = {
    type: 'object',
    properties: { id: { type: 'string' }, kind: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer' } },
    required: ['id', 'kind'],
  };

  it('when an optional field is added, then the change is additive', () => {
    expect(breakingChanges(v1, { ...v1, properties: { ...v1.properties, note: { type: 'string' } } })).toEqual([]);
  });

  it('when an enum gains a value, then the change is additive', () => {
    const next = { ...v1, properties: { ...v1.properties, kind: { type: 'string', enum: ['a', 'b', 'c'] } } };
    expect(breakingChanges(v1, next)).toEqual([]);
  });

  it('when a field is removed, retyped, newly required or an enum value dropped, then each is reported', () => {
    const next = {
      type: 'object',
      properties: { id: { type: 'integer' }, kind: { type: 'string', enum: ['a'] }, extra: { type: 'string' } },
      required: ['id', 'kind', 'extra'],
    };
    expect(breakingChanges(v1, next)).toEqual([
      '$.id: type string became integer',
      '$.kind: enum value b removed',
      '$.n: removed',
      '$.extra: new required field',
    ]);
  });

  it('when a required field becomes optional, then consumers relying on it would break', () => {
    expect(breakingChanges(v1, { ...v1, required: ['id'] })).toEqual(['$.kind: no longer required']);
  });
});
