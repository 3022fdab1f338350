/**
 * 联系电话 on the participant sheet (Yueyang 附件3): a mainland mobile number (11 digits, 1[3-9]…)
 * or a landline with its area code (0730-8963658, as the notice writes its own). Personal data:
 * kept encrypted like the ID number, shown masked.
 */
const MOBILE = /^1[3-9]\d{9}$/;
const LANDLINE = /^(0\d{2,3})-?(\d{7,8})$/;

/** Spaces and dashes as people type them are dropped from a mobile number; a landline keeps its dash. */
export function normalisePhoneNumber(value: string): string {
  const compact = value.trim().replace(/[\s]/g, '');
  return MOBILE.test(compact.replace(/-/g, '')) ? compact.replace(/-/g, '') : compact;
}

export function isValidPhoneNumber(value: string): boolean {
  const phone = normalisePhoneNumber(value);
  return MOBILE.test(phone) || LANDLINE.test(phone);
}

/** 138****5678; 0730-***3658: enough to recognise, not enough to call. */
export function maskPhoneNumber(value: string): string {
  const phone = normalisePhoneNumber(value);
  if (MOBILE.test(phone)) return `${phone.slice(0, 3)}****${phone.slice(7)}`;
  const landline = LANDLINE.exec(phone);
  if (landline) return `${landline[1]}-${'*'.repeat(landline[2].length - 4)}${landline[2].slice(-4)}`;
  return '*'.repeat(phone.length);
}
