/**
 * The API's error codes in Chinese, for callers whose Accept-Language prefers zh. The code stays
 * as it is; only the message changes. `messages.zh-CN.unit.spec.ts` fails when a code the
 * source can answer has no entry here.
 */
export const ZH_CN_MESSAGES: Readonly<Record<string, string>> = {
  // The edge: authentication, shape, routing, concurrency.
  VALIDATION_FAILED: '请求内容不符合要求，请按 details 中列出的字段和规则修改',
  UNAUTHENTICATED: '未登录或凭证无效：请先登录，或在 Authorization 头中提供有效的令牌',
  FORBIDDEN: '无权执行此操作：超出您的角色或管辖范围',
  NOT_FOUND: '未找到所请求的内容',
  CONFLICT: '请求冲突：该幂等键已用于不同的请求，或数据正被同时修改，请稍后重试',
  PAYLOAD_TOO_LARGE: '请求内容过大',
  METHOD_NOT_ALLOWED: '此路径不支持该请求方法（Allow 头列出可用的方法）',
  UNSUPPORTED_MEDIA_TYPE: '不支持的内容类型，请以 JSON（application/json）提交',
  VIEW_BEHIND: '统计数据尚未更新到所需位置，请稍后重试',
  UNAVAILABLE: '服务暂时不可用（数据库未连接），请稍后重试',
  INTERNAL: '服务器内部错误，已记录，请稍后重试',

  // Sign-in and accounts.
  SIGN_IN_FAILED: '用户名或密码错误',
  SIGN_IN_THROTTLED: '登录失败次数过多，请稍候再试',
  ACCOUNT_LOCKED: '登录失败次数过多，账号已临时锁定，请稍后再试',
  ACCOUNT_DISABLED: '该账号已停用，请联系管理员',
  SIGN_IN_NOT_PERMITTED: '身份认证已通过，但您在本系统中没有可用的角色',
  OIDC_NO_ROLE: '身份认证已通过，但身份提供方未给出本系统的角色',
  OIDC_NO_SUBJECT: '身份提供方未给出可用的用户标识',
  USER_EXISTS: '该账号已存在',
  UNKNOWN_USER: '没有该账号',
  ROLE_NEEDS_UNIT: '该角色必须隶属于一个单位',
  ROLE_DOES_NOT_FIT_UNIT: '角色与单位不匹配（如校级管理员须隶属于学校，县级管理员须隶属于县区）',
  UNKNOWN_UNIT: '该单位尚未登记',

  // Organisation.
  UNKNOWN_PARENT: '上级单位尚未登记',
  BAD_HIERARCHY: '单位层级不正确（省、市、县区、学校须依次隶属）',
  UNIT_ALREADY_REGISTERED: '该单位已登记，且信息与本次提交不一致',
  UNKNOWN_SCHOOL: '该学校尚未登记',
  INVALID_ID_NUMBER: '身份证号无效（位数或校验码不正确）',
  TEACHER_ALREADY_REGISTERED: '该教师已在其他学校登记',
  TEACHER_NOT_IN_SCHOOL: '该教师不属于此学校',
  UNKNOWN_TEACHER: '该教师尚未登记',
  ID_NUMBER_UNAVAILABLE: '该教师的身份证号已被删除，无法据此判断',

  // Programmes and batches.
  UNKNOWN_RULEBOOK: '没有该项目规则（请使用预置规则名称或完整的规则）',
  BAD_RULEBOOK: '项目规则内容不正确',
  PROGRAMME_ALREADY_LAUNCHED: '该项目已启动，且信息与本次提交不一致',
  UNKNOWN_PROGRAMME: '该项目尚未启动',
  BATCH_OVERLAPS_RULES: '批次安排不符合项目规则',
  UNKNOWN_BATCH: '该批次尚未安排',
  UNKNOWN_PERIOD: '该批次中没有此学习期',

  // Quotas.
  BAD_SEATS: '名额必须是正整数',
  NOT_A_CHILD: '只能向直属下级单位分配名额',
  QUOTA_EXCEEDED: '配额不足：分配的名额超出本单位尚可分配的名额',
  QUOTA_IN_USE: '名额已被下级使用或继续分配，无法收回',
  REVOKE_EXCEEDS_ALLOCATION: '收回的名额超过曾分配给该单位的名额',
  NO_SEAT_LEFT: '本校该学习期的名额已用完',

  // Enrollment and training.
  SCHOOL_CLOSED: '学校已结项，不能再做任何操作',
  ALREADY_ENROLLED: '该教师已报名本批次',
  EXEMPT_TEACHER: '该教师按规则免于参训（如自愿参加，请注明自愿）',
  NOT_EXEMPT: '按项目规则，该教师不属于免训对象（或该项目没有免训规定）',
  NOT_ENROLLED: '该教师未报名本批次或已退出',
  DEADLINE_PASSED: '已超过规定期限',
  DEADLINE_NOT_PASSED: '尚未到期：期限内须由教师本人选择能力点',
  BAD_POINT_CHOICE: '所选能力点不符合规则',
  POINT_NOT_CHOSEN: '该能力点不在教师所选范围内',
  BAD_HOURS: '学时须为正数，最多两位小数，且不超过合理范围',
  UNKNOWN_HOURS_CATEGORY: '项目规则中没有该学时类别',
  OUTSIDE_STUDY_WINDOW: '不在线上学习时间窗口内',
  ONLINE_NOT_PASSED: '线上学习尚未合格，不能进行线下考核',
  EVIDENCE_MISSING: '尚未提交实践成果',
  PEER_REVIEW_MISSING: '尚未完成同伴视频观看与评论，不能认定线下学时',
  REQUIREMENTS_NOT_MET: '尚未达到发证要求',
  NOT_EXCELLENT: '该教师的考核结果不是优秀',
  VIDEO_ALREADY_USED: '该视频已被使用',

  // School closure.
  PLAN_NOT_UPLOADED: '学校尚未上传规划书',
  PLAN_THRESHOLD_NOT_MET: '已选能力点的教师不足 90%，暂不能上传规划书',
  CLOSURE_THRESHOLD_NOT_MET: '合格及优秀的教师不足参考教师的 90%，暂不能申请结项',
  EXCELLENT_VIDEOS_SHORT: '优秀视频不足：须覆盖全部学科，且不少于专任教师数的 30%',
  NOT_APPLIED: '学校尚未申请结项',
  NOT_APPROVED: '县区尚未通过结项验收',

  // Inspection.
  RATE_TOO_LOW: '抽检比例低于规则规定的最低比例',
  NOTHING_TO_SAMPLE: '范围内没有可抽检的学校',
  SAMPLE_ALREADY_DRAWN: '该抽检已抽取，且条件与本次不同',
  UNKNOWN_SAMPLE: '没有该抽检',
  NOT_IN_SAMPLE: '该学校不在本次抽检样本中',

  // The regions' programmes: dates, plans, owners, quotas, grades, certificates, pilots.
  BATCH_ENDED: '该批次已结束，不能再考核、录入线下学时、发证或申请结项（如需延期，请项目主办单位延长批次）',
  NOT_LATER: '新的结束日期须晚于批次当前的结束日期',
  BATCH_SHARE_MISMATCH: '批次比例与规则的分批计划不符（如江苏：20%、40%、40%）',
  BAD_OWNER: '项目须由本省或本省所辖的设区市主办',
  OUTSIDE_PROGRAMME: '该单位不在此项目主办单位的管辖范围内',
  NO_QUOTAS: '该项目不下发名额，学校直接报名即可',
  RETAKES_EXHAUSTED: '该能力点的考核次数已达规则上限，不能再补考',
  PRACTICE_NOT_GRADED: '该项目规则不对实践成果评定等级，合格证书以学时为准',
  UNKNOWN_CERTIFICATE_KIND: '该项目没有这种证书，请在规则列出的证书种类中选择',
  ASSESSMENT_INCOMPLETE: '整校推进：本校仍有参考教师未完成考核，全部考核后方可申请结项',
  NO_CLOSURE: '该项目规则没有结项环节',
  BAD_DATE: '日期无效，请按 YYYY-MM-DD 填写真实存在的日期',
  INVALID_PHONE: '联系电话无效（应为手机号码，或带区号的固定电话）',
};

/** Does the caller prefer Chinese? By Accept-Language's order and weights (zh, zh-CN, zh-Hans …). */
export function prefersChinese(acceptLanguage: string | undefined): boolean {
  if (!acceptLanguage) return false;
  let best: { chinese: boolean; q: number } | undefined;
  for (const part of acceptLanguage.split(',')) {
    const [tag, ...parameters] = part.trim().toLowerCase().split(';');
    const qParameter = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    const q = qParameter ? Number(qParameter.slice(2)) : 1;
    if (!tag || !Number.isFinite(q) || q <= 0) continue;
    const chinese = tag === 'zh' || tag.startsWith('zh-');
    const english = tag === 'en' || tag.startsWith('en-') || tag === '*';
    if (!chinese && !english) continue;
    // Equal weights: the earlier tag wins.
    if (!best || q > best.q) best = { chinese, q };
  }
  return best?.chinese ?? false;
}

/** The Chinese message of a code, with the fields a VALIDATION_FAILED names. */
export function chineseMessage(code: string, details: unknown): string | undefined {
  const message = ZH_CN_MESSAGES[code];
  if (message === undefined) return undefined;
  if (code === 'VALIDATION_FAILED' && Array.isArray(details)) {
    const fields = details
      .map((detail) => (detail && typeof detail === 'object' ? (detail as { field?: unknown }).field : undefined))
      .filter((field): field is string => typeof field === 'string');
    if (fields.length > 0) return `请求内容不符合要求，请修改这些字段：${[...new Set(fields)].join('、')}`;
  }
  return message;
}
