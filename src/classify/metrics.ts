// Classification metrics: accuracy, per-class precision/recall/F1 and the confusion matrix of an evaluation.
import { RoughcutError } from '../core/errors.js';

/** Precision, recall and F1 of one class, and how many examples truly belong to it. */
export interface ClassMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Examples whose truth is this class. */
  readonly support: number;
}

/** Everything `roughcut evaluate` reports about a set of predictions. */
export interface ConfusionMetrics {
  /** Column labels of `matrix`: the classes, then `'unknown'` when any prediction was unknown. */
  readonly classes: string[];
  /** Share of examples predicted as their true class (an `'unknown'` prediction counts as wrong). */
  readonly accuracy: number;
  /** Unweighted mean of F1 over the classes that occur (in the truth or the predictions). */
  readonly macroF1: number;
  /** One entry per true class, in class order (never one for `'unknown'`). */
  readonly perClass: ClassMetrics[];
  /** `matrix[truth][predicted]` counts: one row per true class, one column per entry of `classes`. */
  readonly matrix: number[][];
  readonly total: number;
}

/** The column name of predictions the classifier refused to make (index `classes.length`). */
export const UNKNOWN_PREDICTION = 'unknown';

/**
 * Compares predictions with the truth, both as indexes into `classes`. A prediction may also be
 * `classes.length`, meaning `'unknown'` (below the confidence threshold): it then gets a column
 * of its own (never a row, since no example is truly unknown), counts against accuracy and
 * recall, and against no class's precision. Precision, recall or F1 with nothing to divide by
 * are 0, as are accuracy and macro F1 of an empty set; macro F1 leaves out classes that occur in
 * neither the truth nor the predictions (as scikit-learn does).
 *
 * @throws RoughcutError `BAD_ARGUMENT` when the lists differ in length or hold an index out of range.
 */
export function confusionMetrics(truth: readonly number[], predicted: readonly number[], classes: readonly string[]): ConfusionMetrics {
  const n = classes.length;
  if (truth.length !== predicted.length) {
    throw new RoughcutError('BAD_ARGUMENT', `${truth.length} true labels but ${predicted.length} predictions; evaluate needs one prediction per example.`);
  }
  truth.forEach((t, i) => {
    if (!(Number.isInteger(t) && t >= 0 && t < n)) throw new RoughcutError('BAD_ARGUMENT', `example ${i} has true class ${t}, not one of the ${n} classes.`);
    const p = predicted[i]!;
    if (!(Number.isInteger(p) && p >= 0 && p <= n)) throw new RoughcutError('BAD_ARGUMENT', `example ${i} has predicted class ${p}, not one of the ${n} classes or unknown (${n}).`);
  });
  const hasUnknown = predicted.some((p) => p === n);
  const columns = hasUnknown ? [...classes, UNKNOWN_PREDICTION] : [...classes];
  const matrix = classes.map(() => new Array<number>(columns.length).fill(0));
  truth.forEach((t, i) => matrix[t]![predicted[i]!]!++);

  let correct = 0;
  const occurs: boolean[] = [];
  const perClass = classes.map((label, k) => {
    const tp = matrix[k]![k]!;
    correct += tp;
    const support = matrix[k]!.reduce((a, b) => a + b, 0);
    const predictedAs = matrix.reduce((sum, row) => sum + row[k]!, 0);
    const precision = predictedAs > 0 ? tp / predictedAs : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    occurs.push(support > 0 || predictedAs > 0);
    return { label, precision, recall, f1, support };
  });
  const total = truth.length;
  // A class absent from both sides has no F1 to speak of; counting it as 0 would punish the model for the data set.
  const present = perClass.filter((_, k) => occurs[k]);
  const macroF1 = present.length > 0 ? present.reduce((sum, c) => sum + c.f1, 0) / present.length : 0;
  return { classes: columns, accuracy: total > 0 ? correct / total : 0, macroF1, perClass, matrix, total };
}
