import { birthDateOf, idNumberCheckCharacter, idNumberProblem, isValidIdNumber, maskIdNumber } from './id-number';

/**
 * The check character straight from the definition of ISO 7064 MOD 11-2 as GB 11643-1999 uses it:
 * with weights W_i = 2^(18-i) mod 11 (i = 1…18, so W_18 = 1), the check value a_18 ∈ 0…10 is the
 * one that makes Σ a_i·W_i ≡ 1 (mod 11); 10 is written X. Deliberately not the lookup table.
 */
function fromDefinition(first17: string): string {
  const weighted = [...first17].reduce((sum, digit, index) => sum + Number(digit) * (2 ** (17 - index) % 11), 0);
  for (let check = 0; check <= 10; check++) {
    if ((weighted + check) % 11 === 1) return check === 10 ? 'X' : String(check);
  }
  throw new Error('unreachable: some value in 0…10 always works');
}
const complete = (first17: string) => first17 + fromDefinition(first17);

describe('ID number', () => {
  describe('when well-formed', () => {
    it('accepts the public examples of GB 11643-1999', () => {
      expect(isValidIdNumber('11010519491231002X')).toBe(true);
      expect(isValidIdNumber('440524188001010014')).toBe(true);
    });

    it('accepts a lowercase x as the check character', () => {
      expect(isValidIdNumber('11010519491231002x')).toBe(true);
    });

    it('computes the same check character as the definition, for many numbers', () => {
      const regions = ['320707', '350902', '430602', '110105'];
      for (const region of regions) {
        for (let day = 1; day <= 28; day++) {
          const month = String(((day - 1) % 12) + 1).padStart(2, '0');
          const first17 = `${region}1975${month}${String(day).padStart(2, '0')}${String(day * 7).padStart(3, '0')}`;
          expect(idNumberCheckCharacter(first17)).toBe(fromDefinition(first17));
          expect(isValidIdNumber(complete(first17))).toBe(true);
        }
      }
    });

    it('reads the date of birth', () => {
      expect(birthDateOf('11010519491231002X')).toBe('1949-12-31');
      expect(birthDateOf(complete('32070720000229123'))).toBe('2000-02-29');
    });
  });

  describe('when malformed', () => {
    it('refuses a wrong check character', () => {
      expect(isValidIdNumber('110105194912310021')).toBe(false);
      expect(idNumberProblem('110105194912310021')).toBe('check-digit');
    });

    it('refuses every single-digit change that the check catches', () => {
      const good = '440524188001010014';
      const changed = `${good.slice(0, 16)}${(Number(good[16]) + 1) % 10}${good[17]}`;
      expect(idNumberProblem(changed)).toBe('check-digit');
    });

    it('refuses the wrong length, letters inside, or X anywhere but last', () => {
      expect(idNumberProblem('11010519491231002')).toBe('format');
      expect(idNumberProblem('11010519491231002X1')).toBe('format');
      expect(idNumberProblem('1101051949123100XX')).toBe('format');
      expect(idNumberProblem('A1010519491231002X')).toBe('format');
      expect(idNumberProblem('110105491231002')).toBe('format'); // the old 15-digit form
    });

    it('refuses a date of birth that is not a calendar date, even with a matching check character', () => {
      expect(idNumberProblem(complete('32070719990229123'))).toBe('birth-date');
      expect(idNumberProblem(complete('32070719851301123'))).toBe('birth-date');
      expect(idNumberProblem(complete('32070719850431123'))).toBe('birth-date');
      expect(birthDateOf(complete('32070719850431123'))).toBeUndefined();
    });
  });

  describe('when shown', () => {
    it('keeps the first 6 and last 4 and hides the 8 birth digits', () => {
      expect(maskIdNumber('32070719850103123X')).toBe('320707********123X');
      expect(maskIdNumber('11010519491231002x')).toBe('110105********002X');
    });

    it('hides everything of a malformed number', () => {
      expect(maskIdNumber('1234567')).toBe('*******');
    });
  });
});
