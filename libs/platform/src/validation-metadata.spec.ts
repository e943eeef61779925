import 'reflect-metadata';
import { getMetadataStorage, IsInt, IsString, Length, Min, validateSync } from 'class-validator';
import { memoizeValidationMetadata } from './validation-metadata';

class Base {
  @IsString()
  name!: string;
}

class Child extends Base {
  @IsInt()
  @Min(1, { groups: ['strict'] })
  count!: number;
}

const problems = (o: object, groups?: string[]) =>
  validateSync(o, groups ? { groups } : {})
    .flatMap((e) => Object.keys(e.constraints ?? {}).map((c) => `${e.property}:${c}`))
    .sort();

describe('memoizeValidationMetadata', () => {
  const bad = () => Object.assign(new Child(), { name: 7, count: 0 });
  const before = { plain: problems(bad()), strict: problems(bad(), ['strict']) };

  beforeAll(() => memoizeValidationMetadata());

  it('finds the same rules as class-validator itself, inherited and grouped ones included', () => {
    expect(before.plain).toEqual(['count:min', 'name:isString']);
    expect(problems(bad())).toEqual(before.plain);
    expect(problems(bad(), ['strict'])).toEqual(before.strict);
    expect(problems(Object.assign(new Child(), { name: 'a', count: 2 }))).toEqual([]);
  });

  it('looks a class up once: the next lookup is the remembered answer', () => {
    const storage = getMetadataStorage();
    const first = storage.getTargetValidationMetadatas(Child, '', false, false);
    expect(first.map((m) => m.propertyName).sort()).toEqual(['count', 'count', 'name']);
    expect(storage.getTargetValidationMetadatas(Child, '', false, false)).toBe(first);
    expect(storage.getTargetValidationMetadatas(Child, '', false, false, ['strict'])).not.toBe(first);
  });

  it('forgets what it remembered when rules are added later, so a class declared after it is checked in full', () => {
    const remembered = getMetadataStorage().getTargetValidationMetadatas(Child, '', false, false);
    class Late extends Child {
      @Length(2, 4)
      code!: string;
    }
    expect(getMetadataStorage().getTargetValidationMetadatas(Child, '', false, false)).not.toBe(remembered);
    expect(problems(Object.assign(new Late(), { name: 'a', count: 2, code: 'x' }))).toEqual(['code:isLength']);
  });
});
