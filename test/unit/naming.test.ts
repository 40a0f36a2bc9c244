import { describe, expect, it } from 'vitest';
import { camelCase, parseSmartComment, pluralize } from '../../src/model/index.js';
import { quoteIdentifier, quoteQualified } from '../../src/sql/index.js';

describe('pluralize', () => {
  it.each([
    ['film_actor', 'film_actors'],
    ['category', 'categories'],
    ['address', 'addresses'],
    ['box', 'boxes'],
    ['day', 'days'],
    ['staff', 'staff'],
    ['person', 'people'],
    ['film_category', 'film_categories'],
    ['x', 'xes'],
    ['a1', 'a1s'],
    ['users', 'users'],
    ['categories', 'categories'],
    ['status', 'statuses'],
    ['class', 'classes'],
    ['analysis', 'analyses'],
    ['bus', 'buses'],
    ['person_alias', 'person_aliases'],
    ['orders', 'orders'],
  ])('%s → %s', (word, plural) => {
    expect(pluralize(word)).toBe(plural);
  });
});

describe('camelCase', () => {
  it.each([
    ['first_name', 'firstName'],
    ['films_by_original_language_id', 'filmsByOriginalLanguageId'],
    ['already', 'already'],
    ['address2', 'address2'],
    ['a__b', 'aB'],
    ['_group_concat', '_groupConcat'],
    ['a_b_c', 'aBC'],
    ['point_2_d', 'point2D'],
    ['trailing_', 'trailing_'],
  ])('%s → %s', (name, camel) => {
    expect(camelCase(name)).toBe(camel);
  });
});

describe('parseSmartComment', () => {
  it('separates tags from the description', () => {
    expect(parseSmartComment('@name people\nA person.\n@omit')).toEqual({ description: 'A person.', omit: true, name: 'people' });
    expect(parseSmartComment('Just text')).toEqual({ description: 'Just text', omit: false, name: undefined });
    expect(parseSmartComment(null)).toEqual({ description: undefined, omit: false, name: undefined });
    expect(parseSmartComment('@unknownTag value\n@name')).toEqual({ description: undefined, omit: false, name: undefined });
    expect(parseSmartComment('email: a@b.c')).toEqual({ description: 'email: a@b.c', omit: false, name: undefined });
  });
});

describe('quoteIdentifier', () => {
  it('double-quotes and doubles embedded quotes', () => {
    expect(quoteIdentifier('film')).toBe('"film"');
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
    expect(quoteQualified('public', 'bıgınt')).toBe('"public"."bıgınt"');
  });
  it('refuses what cannot be an identifier', () => {
    expect(() => quoteIdentifier('')).toThrow('empty SQL identifier');
    expect(() => quoteIdentifier('a\u0000b')).toThrow('NUL');
  });
});
