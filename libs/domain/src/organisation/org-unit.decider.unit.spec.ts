import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { CommandMetadata } from '../shared/messages';
import {
  DeclareFullTimeTeachers,
  RegisterOrgUnit,
  RegisterOrgUnitData,
  SetIssuingOffice,
} from './organisation.commands';
import { FullTimeTeachersDeclared, IssuingOfficeSet, OrgUnitEvent, OrgUnitRegistered } from './organisation.events';
import { declaredFullTimeTeachers, isWithin, orgUnitDecider, OrgUnitState, orgUnitStreamId } from './org-unit.decider';

const metadata: CommandMetadata = { now: '2020-10-20T09:00:00+08:00', actor: { sub: 'importer', role: 'system' } };
const register = (data: RegisterOrgUnitData): RegisterOrgUnit => ({ type: 'RegisterOrgUnit', data, metadata });
const registered = (data: OrgUnitRegistered['data']): OrgUnitRegistered => ({ type: 'OrgUnitRegistered', data });

// Jiangsu → Lianyungang → Haizhou district → a school; plus a city-direct school (市直属学校).
const jiangsu = registered({ unitId: '320000', kind: 'province', name: '江苏省', ancestry: [] });
const lianyungang = registered({
  unitId: '320700',
  kind: 'city',
  name: '连云港市',
  parentId: '320000',
  ancestry: ['320000'],
});
const haizhou = registered({
  unitId: '320706',
  kind: 'county',
  name: '海州区',
  parentId: '320700',
  ancestry: ['320000', '320700'],
});
const school = registered({
  unitId: 'S-320706-001',
  kind: 'school',
  name: '海州实验中学',
  parentId: '320706',
  fullTimeTeachers: 120,
  ancestry: ['320000', '320700', '320706'],
});

const stateOf = (...events: OrgUnitEvent[]): OrgUnitState => fold(orgUnitDecider(), events);
const unregistered: OrgUnitState = { status: 'unregistered' };

describe('OrgUnit', () => {
  it('lives on its own stream', () => {
    expect(orgUnitStreamId('320700')).toBe('org-unit-320700');
  });

  describe('when unregistered', () => {
    const given = (parent?: OrgUnitState) => specFor(orgUnitDecider({ parent }))();

    it('registers a province with no ancestry', () => {
      given()
        .when(register({ unitId: '320000', kind: 'province', name: '江苏省' }))
        .then(jiangsu);
    });

    it('registers a city under a province, with the province as ancestry', () => {
      given(stateOf(jiangsu))
        .when(register({ unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' }))
        .then(lianyungang);
    });

    it('registers a county under a city, with ancestry from the province down', () => {
      given(stateOf(lianyungang))
        .when(register({ unitId: '320706', kind: 'county', name: '海州区', parentId: '320700' }))
        .then(haizhou);
    });

    it('registers a school under a county, keeping its full-time teachers', () => {
      given(stateOf(haizhou))
        .when(
          register({
            unitId: 'S-320706-001',
            kind: 'school',
            name: '海州实验中学',
            parentId: '320706',
            fullTimeTeachers: 120,
          }),
        )
        .then(school);
    });

    it('registers a school directly under a city (市直属学校)', () => {
      given(stateOf(lianyungang))
        .when(register({ unitId: 'S-320700-001', kind: 'school', name: '新海高中', parentId: '320700' }))
        .then(
          registered({
            unitId: 'S-320700-001',
            kind: 'school',
            name: '新海高中',
            parentId: '320700',
            ancestry: ['320000', '320700'],
          }),
        );
    });

    it('refuses a province with a parent (BAD_HIERARCHY)', () => {
      given(stateOf(jiangsu))
        .when(register({ unitId: '350000', kind: 'province', name: '福建省', parentId: '320000' }))
        .thenRefuses('BAD_HIERARCHY', { kind: 'province', parentId: '320000' });
    });

    it('refuses a city without a parent (UNKNOWN_PARENT)', () => {
      given()
        .when(register({ unitId: '320700', kind: 'city', name: '连云港市' }))
        .thenRefuses('UNKNOWN_PARENT', { unitId: '320700' });
    });

    it('refuses a parent that is not registered (UNKNOWN_PARENT)', () => {
      given(unregistered)
        .when(register({ unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' }))
        .thenRefuses('UNKNOWN_PARENT', { parentId: '320000' });
      given()
        .when(register({ unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' }))
        .thenRefuses('UNKNOWN_PARENT', { parentId: '320000' });
    });

    it.each([
      ['a city under a city', 'city', lianyungang],
      ['a city under a county', 'city', haizhou],
      ['a county under a province', 'county', jiangsu],
      ['a county under a county', 'county', haizhou],
      ['a school under a province', 'school', jiangsu],
      ['a school under a school', 'school', school],
    ] as const)('refuses %s (BAD_HIERARCHY)', (_, kind, parent) => {
      given(stateOf(parent))
        .when(register({ unitId: 'X-1', kind, name: 'x', parentId: parent.data.unitId }))
        .thenRefuses('BAD_HIERARCHY', { kind, parentKind: parent.data.kind });
    });

    it('keeps the full-time teachers a unit of any kind declares (teachers required until registered)', () => {
      given(stateOf(lianyungang))
        .when(
          register({ unitId: '320721', kind: 'county', name: '赣榆区', parentId: '320700', fullTimeTeachers: 6342 }),
        )
        .then(
          registered({
            unitId: '320721',
            kind: 'county',
            name: '赣榆区',
            parentId: '320700',
            fullTimeTeachers: 6342,
            ancestry: ['320000', '320700'],
          }),
        );
    });

    it('refuses a negative or fractional number of full-time teachers', () => {
      given(stateOf(haizhou))
        .when(register({ unitId: 'S-1', kind: 'school', name: 'x', parentId: '320706', fullTimeTeachers: 12.5 }))
        .thenRefuses('VALIDATION_FAILED');
    });

    it('rejects a parent state that is not the named parent: the handler loaded the wrong stream', () => {
      expect(() =>
        orgUnitDecider({ parent: stateOf(jiangsu) }).decide(
          register({ unitId: '320706', kind: 'county', name: '海州区', parentId: '320700' }),
          unregistered,
        ),
      ).toThrow('Loaded parent 320000');
    });
  });

  describe('when registered', () => {
    const given = (...events: OrgUnitRegistered[]) => specFor(orgUnitDecider({ parent: stateOf(haizhou) }))(...events);

    it('does nothing when registered again with identical data (a rerun import)', () => {
      given(school)
        .when(
          register({
            unitId: 'S-320706-001',
            kind: 'school',
            name: '海州实验中学',
            parentId: '320706',
            fullTimeTeachers: 120,
          }),
        )
        .thenNothingHappens();
    });

    it('does nothing for a rerun even without the parent loaded', () => {
      specFor(orgUnitDecider())(jiangsu)
        .when(register({ unitId: '320000', kind: 'province', name: '江苏省' }))
        .thenNothingHappens();
    });

    it('refuses other data for the same unit, naming the fields (UNIT_ALREADY_REGISTERED)', () => {
      given(school)
        .when(
          register({
            unitId: 'S-320706-001',
            kind: 'school',
            name: '海州实验中学（新校区）',
            parentId: '320706',
            fullTimeTeachers: 130,
          }),
        )
        .thenRefuses('UNIT_ALREADY_REGISTERED', { fields: ['name', 'fullTimeTeachers'] });
    });

    it('refuses a move to another parent (UNIT_ALREADY_REGISTERED)', () => {
      given(school)
        .when(
          register({
            unitId: 'S-320706-001',
            kind: 'school',
            name: '海州实验中学',
            parentId: '320700',
            fullTimeTeachers: 120,
          }),
        )
        .thenRefuses('UNIT_ALREADY_REGISTERED', { fields: ['parentId'] });
    });
  });

  describe('its issuing office (项目办)', () => {
    const office = (issuingOffice: string): SetIssuingOffice => ({
      type: 'SetIssuingOffice',
      data: { unitId: '320700', issuingOffice },
      metadata,
    });
    const set = (issuingOffice: string): IssuingOfficeSet => ({
      type: 'IssuingOfficeSet',
      data: { unitId: '320700', issuingOffice },
    });

    it('is named, and renamed', () => {
      specFor(orgUnitDecider())(lianyungang).when(office('连云港市教育局项目办')).then(set('连云港市教育局项目办'));
      specFor(orgUnitDecider())(lianyungang, set('连云港市教育局项目办'))
        .when(office('连云港市教师发展中心'))
        .then(set('连云港市教师发展中心'));
    });

    it('appends nothing for the name it already has', () => {
      specFor(orgUnitDecider())(lianyungang, set('连云港市教育局项目办'))
        .when(office('连云港市教育局项目办'))
        .thenNothingHappens();
    });

    it('refuses a unit that is not registered (UNKNOWN_UNIT)', () => {
      specFor(orgUnitDecider())().when(office('某项目办')).thenRefuses('UNKNOWN_UNIT', { unitId: '320700' });
    });
  });

  describe('its declared full-time teachers', () => {
    const declare = (unitId: string, fullTimeTeachers: number): DeclareFullTimeTeachers => ({
      type: 'DeclareFullTimeTeachers',
      data: { unitId, fullTimeTeachers },
      metadata,
    });
    const declared = (unitId: string, fullTimeTeachers: number): FullTimeTeachersDeclared => ({
      type: 'FullTimeTeachersDeclared',
      data: { unitId, fullTimeTeachers },
    });

    it('replaces what the registration gave, and is what the unit declares from then on', () => {
      specFor(orgUnitDecider())(school).when(declare('S-320706-001', 126)).then(declared('S-320706-001', 126));
      const after = stateOf(school, declared('S-320706-001', 126));
      expect(after.status === 'registered' && declaredFullTimeTeachers(after)).toBe(126);
      // The registration itself is unchanged, so rerunning the import is still a no-op.
      expect(after).toMatchObject({ fullTimeTeachers: 120 });
    });

    it('is declared for a county or a city too', () => {
      specFor(orgUnitDecider())(lianyungang).when(declare('320700', 30105)).then(declared('320700', 30105));
    });

    it('appends nothing for the figure in force', () => {
      specFor(orgUnitDecider())(school).when(declare('S-320706-001', 120)).thenNothingHappens();
    });

    it('refuses a fraction, a negative figure (VALIDATION_FAILED) and an unknown unit (UNKNOWN_UNIT)', () => {
      specFor(orgUnitDecider())(school).when(declare('S-320706-001', -1)).thenRefuses('VALIDATION_FAILED');
      specFor(orgUnitDecider())(school).when(declare('S-320706-001', 2.5)).thenRefuses('VALIDATION_FAILED');
      specFor(orgUnitDecider())().when(declare('S-9', 10)).thenRefuses('UNKNOWN_UNIT');
    });
  });

  describe('isWithin', () => {
    it('answers for the unit itself and every ancestor, from one stream', () => {
      const state = stateOf(school);
      expect(['S-320706-001', '320706', '320700', '320000'].map((scope) => isWithin(state, scope))).toEqual([
        true,
        true,
        true,
        true,
      ]);
    });

    it('is false for a sibling, a descendant, or an unregistered unit', () => {
      expect(isWithin(stateOf(school), '320703')).toBe(false);
      expect(isWithin(stateOf(lianyungang), '320706')).toBe(false);
      expect(isWithin(unregistered, '320000')).toBe(false);
    });
  });
});
