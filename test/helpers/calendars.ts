/**
 * A calendar file for 2027 in the shipped format. Illustrative only: the State Council's 2027 notice
 * was not available when the tests were written, so these are plausible dates, not the official ones.
 */
export const CALENDAR_2027 = `# Illustrative 2027 calendar for tests (not the State Council's notice)
year: 2027
notice: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
holidays:
  - name: 元旦
    from: 2027-01-01
    to: 2027-01-03
  - name: 春节
    from: 2027-02-06
    to: 2027-02-14
  - name: 国庆节
    from: 2027-10-01
    to: 2027-10-07
adjusted_workdays:
  - date: 2027-02-20
    name: 春节
  - date: 2027-09-26
    name: 国庆节
  - date: 2027-10-09
    name: 国庆节
`;

/** The same file with an adjusted working day on a Tuesday, which the State Council never decrees. */
export const CALENDAR_2027_BAD = CALENDAR_2027.replace('  - date: 2027-09-26', '  - date: 2027-09-28');
/** The line of that entry. */
export const CALENDAR_2027_BAD_LINE = CALENDAR_2027_BAD.split('\n').findIndex((l) => l.includes('2027-09-28')) + 1;
