/** The training warnings `gmv login` and `gmv whoami` print (Art. 25), in the person's language. */
import type { TrainingNotice } from '../agent/protocol.js';
import { render, type Lang } from '../i18n/catalogue.js';
import { civilDateOf, daysBetween, type CivilDate } from '../domain/dates.js';

export function noticeLines(notices: readonly TrainingNotice[] | undefined, lang: Lang, now: Date = new Date()): string[] {
  const today = civilDateOf(now);
  const course = (what: string) => (what === 'nda' ? render('training.nda', {}, lang) : what);
  return (notices ?? []).map((n) => {
    // A lapse the session outlived reads as missing: the door refuses it either way.
    if (n.state === 'lapsing' && n.date !== null && n.date > today) {
      return render('training.warnLapsing', { course: course(n.what), date: n.date, days: daysBetween(today, n.date as CivilDate) }, lang);
    }
    return render('training.warnMissing', { course: course(n.what) }, lang);
  });
}
