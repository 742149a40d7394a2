package io.github.peft4j.datasets;

import io.github.peft4j.datasets.metrics.AsciiFolding;
import io.github.peft4j.datasets.metrics.MultiBleu;
import io.github.peft4j.datasets.metrics.MultiBleuScore;
import io.github.peft4j.datasets.metrics.NonWordTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A dataset's official BLEU: {@code multi-bleu.perl} over three reference files, with the texts pre-processed as the
 * dataset's evaluation scripts do. Each {@link EvaluationItem} of such a dataset carries its lines of the three files
 * ({@link EvaluationItem#officialBleuReferences()}), so that any subset of items (WebNLG's seen and unseen
 * categories) is scored as the scripts score the files they write for it.
 */
public enum OfficialBleu {
    /**
     * DART's {@code evaluation/run_eval_on_dart.sh}: {@code multi-bleu.perl all-delex-reference0.lex
     * all-delex-reference1.lex all-delex-reference2.lex < predictions}, the predictions as they are; the reference
     * files tokenised and lowercased by the WebNLG challenge's code ({@link NonWordTokenizer}).
     */
    DART("multi-bleu.perl all-delex-reference0.lex all-delex-reference1.lex all-delex-reference2.lex", false) {
        @Override
        String referenceLine(String text) {
            return NonWordTokenizer.tokenize(text);
        }

        @Override
        String hypothesis(String prediction) {
            return prediction;
        }
    },
    /**
     * The WebNLG challenge 2017's {@code evaluation.py} then {@code bleu_eval_3ref.sh}: {@code multi-bleu.perl -lc
     * gold-TRACK-reference0.lex ...1.lex ...2.lex < teams/TEAM_TRACK.txt}, references tokenised, lowercased and
     * ASCII-folded ({@code unidecode(tokenised.lower())}), predictions ASCII-folded, lowercased and tokenised
     * ({@code unidecode(unidecode(line).lower())}, then the same tokenisation).
     */
    WEBNLG_CHALLENGE("multi-bleu.perl -lc gold-TRACK-reference0.lex gold-TRACK-reference1.lex gold-TRACK-reference2.lex", true) {
        @Override
        String referenceLine(String text) {
            return AsciiFolding.fold(NonWordTokenizer.tokenize(text));
        }

        @Override
        String hypothesis(String prediction) {
            return NonWordTokenizer.tokenize(AsciiFolding.fold(AsciiFolding.fold(prediction).toLowerCase(Locale.ROOT)));
        }
    };

    /** Both scripts read three reference files. */
    private static final int REFERENCE_FILES = 3;

    private final String command;
    private final boolean lowercase;

    OfficialBleu(String command, boolean lowercase) {
        this.command = command;
        this.lowercase = lowercase;
    }

    /** The official BLEU of a dataset by its {@link Datasets#NAMES name}, if it has one. */
    public static Optional<OfficialBleu> of(String dataset) {
        return switch (dataset) {
            case "dart" -> Optional.of(DART);
            case "webnlg" -> Optional.of(WEBNLG_CHALLENGE);
            default -> Optional.empty();
        };
    }

    /** The script's command line, for reports. */
    public String command() {
        return command;
    }

    /**
     * Scores predictions of the items, each carrying its official reference lines, as the script scores the files.
     *
     * @throws IllegalArgumentException when the counts differ or an item has no official reference lines
     */
    public MultiBleuScore score(List<String> predictions, List<EvaluationItem> items) {
        if (predictions.size() != items.size()) {
            throw new IllegalArgumentException(predictions.size() + " predictions for " + items.size() + " items");
        }
        List<List<String>> references = new ArrayList<>(items.size());
        for (EvaluationItem item : items) {
            if (item.officialBleuReferences().isEmpty()) {
                throw new IllegalArgumentException("An item without official reference lines: " + item.source());
            }
            references.add(item.officialBleuReferences());
        }
        return MultiBleu.score(predictions.stream().map(this::hypothesis).toList(), references, lowercase);
    }

    /**
     * An entry's lines of the three reference files: its first three texts in order (a blank text in its place,
     * as an empty line), pre-processed, and an empty line for each text it lacks.
     */
    List<String> referenceLines(List<String> texts) {
        List<String> lines = new ArrayList<>(REFERENCE_FILES);
        for (int file = 0; file < REFERENCE_FILES; file++) {
            lines.add(file < texts.size() ? referenceLine(texts.get(file)) : "");
        }
        return lines;
    }

    abstract String referenceLine(String text);

    abstract String hypothesis(String prediction);
}
