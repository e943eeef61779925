import { Type } from 'class-transformer';
import { plainToInstance } from 'class-transformer';
import { IsArray, IsInt, IsString, Max, ValidateNested, validateSync } from 'class-validator';
import { decodeCursor, encodeCursor } from './pagination';
import { flattenValidationErrors } from './validation';

class Leaf {
  @IsInt() @Max(1) n!: number;
}
class Branch {
  @IsArray() @ValidateNested({ each: true }) @Type(() => Leaf) leaves!: Leaf[];
}
class Root {
  @IsString() name!: string;
  @ValidateNested() @Type(() => Branch) branch!: Branch;
}

describe('validation errors', () => {
  it('name every failed constraint by its path, array indices in brackets', () => {
    const errors = validateSync(plainToInstance(Root, { name: 3, branch: { leaves: [{ n: 1 }, { n: 5 }, { n: 'x' }] } }));
    const fields = flattenValidationErrors(errors);
    expect(fields.map((f) => f.field)).toEqual(['name', 'branch.leaves[1].n', 'branch.leaves[2].n', 'branch.leaves[2].n']);
    expect(fields.every((f) => f.reason.length > 0)).toBe(true);
  });
});

describe('cursors', () => {
  it('round-trip an id and refuse what this API did not give out', () => {
    expect(decodeCursor(encodeCursor('cfg_01ABC'))).toBe('cfg_01ABC');
    expect(() => decodeCursor('%%%')).toThrow(/cursor/);
    expect(() => decodeCursor(Buffer.from('v2:x').toString('base64url'))).toThrow(/cursor/);
  });
});
