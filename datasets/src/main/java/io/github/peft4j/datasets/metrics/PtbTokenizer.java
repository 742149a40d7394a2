package io.github.peft4j.datasets.metrics;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A re-implementation of the Stanford PTBTokenizer of <b>Stanford CoreNLP 3.4.1</b> ({@code stanford-corenlp-3.4.1.jar},
 * the jar that pycocoevalcap and the E2E NLG Challenge scorer {@code tuetschek/e2e-metrics} run as
 * {@code java edu.stanford.nlp.process.PTBTokenizer -preserveLines -lowerCase}), with that command's options: PTB3
 * escaping (brackets as {@code -LRB-} etc., quotes as {@code `` '' ` '}, {@code ...}, {@code --}, the pound sign as
 * {@code #}, the euro as {@code $}, fractions such as {@code ½} as {@code 1/2}), {@code "cannot"} as {@code can not},
 * {@code "gonna"} as {@code gon na}, untokenizable characters deleted, and a token for every line break.
 *
 * <p>The lexer is a JFlex scanner; this class runs the same rules with the same semantics: at each position every rule
 * is tried, the longest match wins (a rule's trailing context {@code r/s} counts towards its length, as in JFlex), ties
 * go to the earlier rule, and the rule's action makes the token (normalising it, or giving back characters as
 * {@code yypushback} does). The rules follow the 3.4.1 {@code PTBLexer.flex} in the non-strict
 * ({@code YyTraditionalTreebank3}) state. Left out: one alternative of the lexer's Asian-smiley pattern (as written
 * there it needs the literal text {@code .[^x=~<>]}); characters outside the Basic Multilingual Plane are matched by
 * code point, where the 2014 lexer saw two UTF-16 units. Tokens keep their case; {@link CocoTokenizer} lower-cases them as
 * {@code -lowerCase} does.
 *
 * <p>Checked against the 3.4.1 jar line by line: identical output on the E2E train, dev and test references, the TGen
 * test outputs, the WebNLG 2017 and DART texts, and 110,000 lines of random tricky text (about 250,000 lines in all);
 * the unit tests pin a set of its outputs ({@code TestE2eScorerRougeCiderTokenizer}).
 */
public final class PtbTokenizer {
    /** The token the lexer returns for a line break ({@code PTBLexer.NEWLINE_TOKEN}). */
    public static final String NEWLINE = "*NL*";

    private PtbTokenizer() {}

    // ---------------------------------------------------------------- macros of PTBLexer.flex, as Java regexes
    // %caseless applies to literal text, not to character classes: literals are wrapped in (?i:...) and classes are
    // kept out of it (Java's (?i) would fold classes too).

    /**
     * The characters that the lexer's LETTER macro adds to Java's letters (soft hyphen, modifier letters, combining
     * marks, ...), as ranges of the 3.4.1 specification.
     */
    private static final String EXTRA_LETTER_RANGES = ""
            + "\\u00AD\\u0237-\\u024F\\u02C2-\\u02C5\\u02D2-\\u02DF\\u02E5-\\u02FF\\u0300-\\u036F"
            + "\\u0370-\\u037D\\u0384\\u0385\\u03CF\\u03F6\\u03FC-\\u03FF\\u0483-\\u0487\\u04CF\\u04F6-\\u04FF"
            + "\\u0510-\\u0525\\u055A-\\u055F\\u0591-\\u05BD\\u05BF\\u05C1\\u05C2\\u05C4\\u05C5\\u05C7"
            + "\\u0615-\\u061A\\u063B-\\u063F\\u064B-\\u065E\\u0670\\u06D6-\\u06EF\\u06FA-\\u06FF\\u070F\\u0711"
            + "\\u0730-\\u074F\\u0750-\\u077F\\u07A6-\\u07B1\\u07CA-\\u07F5\\u07FA\\u0900-\\u0903\\u093C"
            + "\\u093E-\\u094E\\u0951-\\u0955\\u0962-\\u0963\\u0981-\\u0983\\u09BC-\\u09C4\\u09C7\\u09C8"
            + "\\u09CB-\\u09CD\\u09D7\\u09E2\\u09E3\\u0A01-\\u0A03\\u0A3C\\u0A3E-\\u0A4F\\u0A81-\\u0A83"
            + "\\u0ABC-\\u0ACF\\u0B82\\u0BBE-\\u0BC2\\u0BC6-\\u0BC8\\u0BCA-\\u0BCD\\u0C01-\\u0C03"
            + "\\u0C3E-\\u0C56\\u0D3E-\\u0D44\\u0D46-\\u0D48\\u0E30-\\u0E3A\\u0E47-\\u0E4E\\u0EB1-\\u0EBC"
            + "\\u0EC8-\\u0ECD";

    /**
     * LETTER: Java's letters, else one of the extra characters that the running JDK does not count as letters. Kept as
     * two alternatives, since java.util.regex tests a class of many ranges slowly, and LETTER is tested for every
     * character of a word.
     */
    private static final String LETTER_CLASS = "(?:\\p{javaLetter}|[" + nonLetters(EXTRA_LETTER_RANGES) + "])";
    private static final String SPLET = "&[aeiouAEIOU](?i:acute|grave|uml);";
    private static final String LETTER = "(?:" + LETTER_CLASS + "|" + SPLET + ")";
    private static final String DIGIT = "[\\p{javaDigit}\\u07C0-\\u07C9]";
    private static final String JLETTER = "\\p{javaLetter}";
    private static final String JLETTER_DIGIT = "[\\p{javaLetter}\\p{javaDigit}]";
    private static final String SPACE = "[ \\t\\u00A0\\u2000-\\u200A\\u3000]";
    private static final String SPACENL = "[ \\t\\u00A0\\u2000-\\u200A\\u3000\\r\\n\\u2028\\u2029\\u000B\\u000C\\u0085]";
    private static final String SPACENLS = SPACENL + "+";
    private static final String SGML = "<(?:[!?][A-Za-z-][^>\\r\\n]*"
            + "|[A-Za-z][A-Za-z0-9_:.-]*(?:[ ]+[A-Za-z][A-Za-z0-9_:.-]*(?:[ ]*=[ ]*(?:'[^']*'|\"[^\"]*\"))?)*[ ]*/?"
            + "|/[A-Za-z][A-Za-z0-9_:.-]*)[ ]*>";
    private static final String SENTEND = SPACENL + "(?:" + SPACENL + "|\\p{javaUpperCase}|" + SGML + ")";
    private static final String NUM = "(?:" + DIGIT + "*(?:[.:,\\u00AD\\u066B\\u066C]" + DIGIT + "+)+|" + DIGIT + "+)";
    private static final String WORD = LETTER + "(?:" + LETTER + "|" + DIGIT + ")*(?:[.!?]" + LETTER + "(?:" + LETTER
            + "|" + DIGIT + ")*)*";
    private static final String APOS = "(?:['\\u0092\\u2019]|&(?i:apos);)";
    private static final String APOSETC = "(?:['\\u0092\\u2019`\\u0091\\u2018\\u201B]|&(?i:apos);)";
    private static final String HYPHEN = "[-_\\u058A\\u2010\\u2011]";
    private static final String THING_PART = "(?:[dDoOlL]" + APOSETC + JLETTER_DIGIT + ")?" + JLETTER_DIGIT + "+";
    private static final String THING = THING_PART + "(?:" + HYPHEN + THING_PART + ")*";
    private static final String AMP = "(?:&|&(?i:amp);)";
    private static final String THINGA = "[A-Z]+(?:(?:[+]|" + AMP + ")[A-Z]+)+";
    private static final String ACRO2 = "(?:[A-Za-z](?:\\.[A-Za-z])+|(?i:Canada|Sino|Korean|EU|Japan|non)-(?i:U\\.S)"
            + "|(?i:U\\.S\\.-(?:U\\.K|U\\.S\\.S\\.R)))";
    private static final String HTHING = "[A-Za-z0-9][A-Za-z0-9.,\\u00AD]*(?:-(?:" + ACRO2 + "\\.|[A-Za-z0-9\\u00AD]+))+";
    private static final String REDAUX = APOS + "(?:[msdMSD]|(?i:re|ve|ll))";
    private static final String SWORD = "[A-Za-z\\u00AD]*[A-MO-Za-mo-z]\\u00AD*";
    private static final String SREDAUX = "(?i:n)" + APOSETC + "(?i:t)";
    private static final String FILENAME = "(?:" + LETTER + "|" + DIGIT + ")+(?:\\.(?:" + LETTER + "|" + DIGIT + ")+)*"
            + "\\.(?i:bat|bmp|c|class|cgi|cpp|dll|doc|docx|exe|gif|gz|h|htm|html|jar|java|jpeg|jpg|mov|mp3|pdf|php|pl"
            + "|png|ppt|ps|py|sql|tar|txt|wav|x|xml|zip)";
    private static final String URL_PATH = "(?:/[^ \\t\\n\\f\\r\"<>|()]+[^ \\t\\n\\f\\r\"<>|.!?(){},-])?";
    private static final String ABMONTH = "(?i:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)";
    private static final String ABDAYS = "(?i:Mon|Tue|Tues|Wed|Thu|Thurs|Fri)";
    private static final String ABSTATE = "(?:(?i:Ala|Ariz)|A(?i:z)|A(?i:rk)|(?i:Calif|Colo|Conn|Ct|Dak)|D(?i:el)"
            + "|(?i:Fla|Ga)|I(?i:ll)|(?i:Ind|Kans?|Ky)|L(?i:a)|M(?i:ass)|(?i:Md|Mich|Minn)|M(?i:iss)"
            + "|(?i:Mo|Mont|Neb|Nev|Okla)|O(?i:re)|P(?i:a)|(?i:Penn|Tenn)|T(?i:ex)|(?i:Va|Vt)|W(?i:ash)|(?i:Wisc?|Wyo))";
    private static final String ABCOMP = "(?:(?i:Inc|Cos?|Corp)|(?i:Pp?t)[ye](?i:s?)|(?i:Ltd|Plc|Rt|Bancorp|Bhd|Assn"
            + "|Univ|Intl|Sys))";
    private static final String ABNUM = "(?i:tel|est|ext|sq)";
    private static final String ABPTIT = "(?i:Jr|Sr|Bros|(?:Ed|Ph)\\.D|Blvd|Rd|Esq)";
    private static final String ABBREV1 = "(?:" + ABMONTH + "|" + ABDAYS + "|" + ABSTATE + "|" + ABCOMP + "|" + ABNUM
            + "|" + ABPTIT + "|(?i:etc|al|seq|Bldg))\\.";
    private static final String ACRO = "(?:[A-Za-z](?:\\.[A-Za-z])*|(?i:Canada|Sino|Korean|EU|Japan|non)-(?i:U\\.S)"
            + "|(?i:U\\.S\\.-(?:U\\.K|U\\.S\\.S\\.R)))";
    private static final String ABTITLE = "(?:(?i:Mr|Mrs|Ms)|M(?i:iss)|(?i:Drs?|Profs?|Sens?|Reps?|Attys?|Lt|Col|Gen"
            + "|Messrs|Govs?|Adm|Rev|Maj|Sgt|Cpl|Pvt|Capt|Ste?|Ave|Pres|Lieut|Hon|Brig|Co?mdr|Pfc|Spc|Supts?|Det|Mt|Ft"
            + "|Adj|Adv|Asst|Assoc|Ens|Insp|Mlle|Mme|Msgr|Sfc))";
    private static final String ABCOMP2 = "(?:(?i:Invt|Elec|Natl)|(?i:M)[ft](?i:g)|(?i:Dept))";
    /**
     * ABBREV4 with ACRO moved first: the rules using it end in a fixed context ({@code .} or a space), and there the
     * greedy acronym is the longest alternative that can match, as JFlex's longest match requires.
     */
    private static final String ABBREV4 = "(?:" + ACRO + "|" + ABTITLE + "|(?i:vs|Alex|Wm|Jos|Cie|a\\.k\\.a|cf|TREAS|Ph)|"
            + ABCOMP2 + ")";
    private static final String ABBREV3 = "(?i:ca|figs?|prop|nos?|art|bldg|pp|op)\\.";
    private static final String INSENTP = "[,;:\\u3001]";
    private static final String DBLQUOT = "(?:\"|&(?i:quot);)";

    /** The words after which an acronym ends a sentence; the first letter must be upper case, the rest is caseless. */
    private static final String ACRONYM_FOLLOWERS;

    static {
        String[] words = {"About", "According", "Additionally", "After", "An", "A", "As", "At", "But", "Earlier", "He",
            "Her", "Here", "However", "If", "In", "It", "Last", "Many", "More", "Mr.", "Ms.", "Now", "Once", "One",
            "Other", "Our", "She", "Since", "So", "Some", "Such", "That", "The", "Their", "Then", "There", "These",
            "They", "This", "We", "When", "While", "What", "Yet", "You"};
        StringBuilder alternatives = new StringBuilder("(?:");
        for (String word : words) {
            alternatives.append(word.charAt(0));
            if (word.length() > 1) {
                alternatives.append("(?i:").append(Pattern.quote(word.substring(1))).append(')');
            }
            alternatives.append('|');
        }
        ACRONYM_FOLLOWERS = alternatives.append(SGML).append(')').toString();
    }

    /** Of the characters in the class items {@code ranges}, those that Java does not count as letters, as class items. */
    private static String nonLetters(String ranges) {
        Matcher item = Pattern.compile("\\\\u([0-9A-F]{4})(?:-\\\\u([0-9A-F]{4}))?").matcher(ranges);
        StringBuilder out = new StringBuilder();
        int runStart = -1;
        int previous = -2;
        BitSet extra = new BitSet();
        while (item.find()) {
            int from = Integer.parseInt(item.group(1), 16);
            int to = item.group(2) == null ? from : Integer.parseInt(item.group(2), 16);
            extra.set(from, to + 1);
        }
        for (int c = extra.nextSetBit(0); c >= 0; c = extra.nextSetBit(c + 1)) {
            if (Character.isLetter(c)) {
                continue;
            }
            if (c != previous + 1) {
                appendRun(out, runStart, previous);
                runStart = c;
            }
            previous = c;
        }
        appendRun(out, runStart, previous);
        return out.toString();
    }

    private static void appendRun(StringBuilder out, int from, int to) {
        if (from < 0) {
            return;
        }
        out.append(String.format("\\u%04X", from));
        if (to > from) {
            out.append(String.format("-\\u%04X", to));
        }
    }

    // ---------------------------------------------------------------- rules

    /** What a rule does with its match. */
    private enum Action {
        TEXT, SOFT_HYPHENS, PUSHBACK_2, PUSHBACK_3, SGML, MDASH, AMP, QUOTE_LEFT, QUOTE_RIGHT, FRACTION, FRACTION_CHAR,
        CURRENCY, LESS_THAN, GREATER_THAN, ACRONYM_SENTENCE_END, REDUPLICATE_PERIOD, PHONE, SMILEY, LCB, RCB, LSB, RSB,
        LRB, RRB, HYPHENS, ELLIPSIS, SKIP, NEWLINE, DELETE
    }

    /**
     * One alternative of a lexer rule. {@code priority} is the rule's place in the specification (alternatives split
     * out of one rule share it). With trailing context, group 1 is the token and the rest of the match the context.
     */
    private record Rule(int priority, Pattern pattern, boolean trailing, Action action) {}

    private static final List<Rule> RULES = new ArrayList<>();

    private static void rule(int priority, String regex, Action action) {
        RULES.add(new Rule(priority, Pattern.compile(regex), false, action));
    }

    private static void rule(int priority, String regex, String trailing, Action action) {
        RULES.add(new Rule(priority, Pattern.compile("(" + regex + ")(?:" + trailing + ")"), true, action));
    }

    static {
        int p = 0;
        rule(++p, "(?i:c)[+][+]", Action.TEXT);
        rule(++p, "(?i:c|f)#", Action.TEXT);
        rule(++p, "(?i:cannot)", Action.PUSHBACK_3);
        rule(++p, "(?i:'twas)", Action.PUSHBACK_3);
        rule(++p, "(?i:'tis)", Action.PUSHBACK_2);
        rule(++p, "(?i:gonna|gotta|lemme|gimme|wanna)", Action.PUSHBACK_2);
        rule(++p, SGML, Action.SGML);
        rule(++p, "&(?i:MD|mdash|ndash);|[\\u0096\\u0097\\u2013\\u2014\\u2015]", Action.MDASH);
        rule(++p, "&(?i:amp);", Action.AMP);
        rule(++p, "&(?i:HT|TL|UR|LR|QC|QL|QR|odq|cdq|#[0-9]+);", Action.TEXT);
        rule(++p, WORD, REDAUX, Action.SOFT_HYPHENS);
        rule(++p, SWORD, SREDAUX, Action.SOFT_HYPHENS);
        rule(++p, WORD, Action.SOFT_HYPHENS);
        p++; // APOWORD: an alternation whose longest alternative must win, so each alternative is a rule of its own
        rule(p, APOS + "(?i:n)" + APOS + "?", Action.TEXT);
        rule(p, "[lLdDjJ]" + APOS, Action.TEXT);
        rule(p, "(?i:Dunkin|somethin|ol)" + APOS, Action.TEXT);
        rule(p, APOS + "(?i:em|till?|cause)", Action.TEXT);
        rule(p, "[A-HJ-XZn]" + APOSETC + JLETTER + "{2}" + JLETTER + "*", Action.TEXT);
        rule(p, APOS + "[2-9](?i:0s)", Action.TEXT);
        rule(p, JLETTER + JLETTER + "*[aeiouyAEIOUY]" + APOSETC + "[aeiouA-Z]" + JLETTER + "*", Action.TEXT);
        rule(p, "(?i:cont'd\\.?|'twas|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l)", Action.TEXT);
        rule(p, "(?i:O)" + APOSETC + "(?i:o)", Action.TEXT);
        rule(++p, "(?i:y)" + APOS, JLETTER, Action.TEXT);
        rule(++p, "(?i:https?)://[^ \\t\\n\\f\\r\"<>|(){}]+[^ \\t\\n\\f\\r\"<>|.!?(){},-]", Action.TEXT);
        p++; // LIKELYURL
        rule(p, "(?i:www)\\.(?:[^ \\t\\n\\f\\r\"<>|.!?(){},]+\\.)+[a-zA-Z]{2,4}" + URL_PATH, Action.TEXT);
        rule(p, "(?:[^ \\t\\n\\f\\r\"`'<>|.!?(){},-_$]+\\.)+(?i:com|net|org|edu)" + URL_PATH, Action.TEXT);
        rule(++p, "(?:&(?i:lt);|<)?[a-zA-Z0-9][^ \\t\\n\\f\\r\"<>|()\\u00A0{}]*@"
                + "(?:[^ \\t\\n\\f\\r\"<>|(){}.\\u00A0]+\\.)*"
                + "[^ \\t\\n\\f\\r\"<>|(){}.\\u00A0]+(?:&(?i:gt);|>)?", Action.TEXT);
        p++; // TWITTER
        rule(p, "@[a-zA-Z_][a-zA-Z_0-9]*", Action.TEXT);
        rule(p, "#" + LETTER + "+", Action.TEXT);
        rule(++p, REDAUX, "[^A-Za-z]", Action.QUOTE_RIGHT);
        rule(++p, SREDAUX, "[^A-Za-z]", Action.QUOTE_RIGHT);
        rule(++p, DIGIT + "{1,2}[-/]" + DIGIT + "{1,2}[-/]" + DIGIT + "{2,4}", Action.TEXT);
        rule(++p, "[-+]?" + NUM, Action.SOFT_HYPHENS);
        rule(++p, "[\\u207A\\u207B\\u208A\\u208B]?(?:[\\u2070\\u00B9\\u00B2\\u00B3\\u2074-\\u2079]+|[\\u2080-\\u2089]+)",
                Action.TEXT);
        rule(++p, "(?:" + DIGIT + "{1,4}[- \\u00A0])?" + DIGIT + "{1,4}(?:\\\\?/|\\u2044)" + DIGIT + "{1,4}",
                Action.FRACTION);
        rule(++p, "[\\u00BC\\u00BD\\u00BE\\u2153-\\u215E]", Action.FRACTION_CHAR);
        p++; // TBSPEC
        rule(p, "-(?i:RRB|LRB|RCB|LCB|RSB|LSB)-", Action.AMP);
        rule(p, "(?i:C\\.D\\.s|pro-|anti-)", Action.AMP);
        rule(p, "(?i:S)" + AMP + "(?i:P-500|Ls)", Action.AMP);
        rule(p, "(?i:Cap)" + APOS + "(?i:n)|(?i:c)" + APOS + "(?i:est)", Action.AMP);
        rule(++p, "[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}", Action.TEXT);
        rule(++p, "[A-Z]*\\$|#", Action.TEXT);
        rule(++p, "[\\u00A2\\u00A3\\u00A4\\u00A5\\u0080\\u20A0\\u20AC\\u060B\\u0E3F\\u20A4\\uFFE0\\uFFE1\\uFFE5\\uFFE6]",
                Action.CURRENCY);
        rule(++p, ACRO + "\\.", SPACENLS + ACRONYM_FOLLOWERS + SPACENL, Action.ACRONYM_SENTENCE_END);
        rule(++p, ABBREV3, SPACENL + "?\\p{javaDigit}", Action.TEXT);
        rule(++p, "(?:(?i:pt)[eyEY]|(?i:co))\\.", SPACE + "(?i:ltd|lim)", Action.TEXT);
        rule(++p, ABBREV1, SENTEND, Action.REDUPLICATE_PERIOD);
        rule(++p, ABBREV1, "[\\s\\S][\\s\\S]", Action.TEXT);
        rule(++p, ABBREV1, Action.REDUPLICATE_PERIOD);
        rule(++p, ABBREV4 + "\\.", Action.TEXT);
        rule(++p, ABBREV4, SPACE, Action.TEXT);
        rule(++p, ACRO, SPACENL, Action.TEXT);
        rule(++p, APOS + "[0-9][0-9]", SPACENL, Action.TEXT);
        rule(++p, FILENAME, SPACENL + "|[.?!,]", Action.TEXT);
        rule(++p, WORD + "\\.", INSENTP, Action.SOFT_HYPHENS);
        p++; // PHONE
        rule(p, "(?:\\([0-9]{2,3}\\)[ \\u00A0]?|(?:\\+\\+?)?(?:[0-9]{2,4}[- \\u00A0])?[0-9]{2,4}[- \\u00A0])[0-9]{3,4}"
                + "[- \\u00A0]?[0-9]{3,5}", Action.PHONE);
        rule(p, "(?:(?:\\+\\+?)?[0-9]{2,4}\\.)?[0-9]{2,4}\\.[0-9]{3,4}\\.[0-9]{3,5}", Action.PHONE);
        rule(++p, DBLQUOT, "[A-Za-z0-9$]", Action.QUOTE_LEFT);
        rule(++p, DBLQUOT, Action.QUOTE_RIGHT);
        rule(++p, "\\x7f", Action.SKIP);
        rule(++p, "<|&(?i:lt);", Action.LESS_THAN);
        rule(++p, ">|&(?i:gt);", Action.GREATER_THAN);
        rule(++p, "[<>]?[:;=][-o*']?[()DPdpO\\\\{@|\\[\\]]", "[^A-Za-z0-9]", Action.SMILEY);
        p++; // ASIANSMILEY (without its first alternative, a literal that cannot occur in text)
        rule(p, "[-^x=~<>']_[-^x=~<>']", Action.SMILEY);
        rule(p, "\\([-^x=~<>'][_.]?[-^x=~<>']\\)", Action.SMILEY);
        rule(p, "\\([\\^x=~<>']-[\\^x=~<>'`]\\)", Action.SMILEY);
        rule(++p, "\\{", Action.LCB);
        rule(++p, "\\}", Action.RCB);
        rule(++p, "\\[", Action.LSB);
        rule(++p, "\\]", Action.RSB);
        rule(++p, "\\(", Action.LRB);
        rule(++p, "\\)", Action.RRB);
        rule(++p, "-+", Action.HYPHENS);
        p++; // LDOTS
        rule(p, "\\.{3,5}", Action.ELLIPSIS);
        rule(p, "(?:\\.[ \\u00A0]){2,4}\\.", Action.ELLIPSIS);
        rule(p, "[\\u0085\\u2026]", Action.ELLIPSIS);
        rule(++p, "@+|#+|_+", Action.TEXT);
        rule(++p, "\\*+|(?:\\\\\\*){1,3}", Action.TEXT);
        rule(++p, INSENTP, Action.TEXT);
        rule(++p, "[?!]+", Action.TEXT);
        rule(++p, "[.\\u00A1\\u00BF\\u037E\\u0589\\u061F\\u06D4\\u0700-\\u0702\\u07FA\\u3002]", Action.TEXT);
        rule(++p, "=", Action.TEXT);
        rule(++p, "/", Action.TEXT);
        rule(++p, HTHING + "\\.", INSENTP, Action.SOFT_HYPHENS);
        rule(++p, HTHING, Action.SOFT_HYPHENS);
        rule(++p, THING + "\\.", INSENTP, Action.TEXT);
        rule(++p, THING, Action.TEXT);
        rule(++p, THINGA + "\\.", INSENTP, Action.AMP);
        rule(++p, THINGA, Action.AMP);
        rule(++p, "'", "[A-Za-z][^ \\t\\n\\r\\u00A0]", Action.QUOTE_LEFT);
        rule(++p, REDAUX, Action.QUOTE_RIGHT);
        rule(++p, SREDAUX, Action.QUOTE_RIGHT);
        p++; // QUOTES
        rule(p, APOS, Action.QUOTE_RIGHT);
        rule(p, "''", Action.QUOTE_RIGHT);
        rule(p, "[`\\u2018\\u2019\\u201A\\u201B\\u201C\\u201D\\u0091\\u0092\\u0093\\u0094\\u201E\\u201F\\u2039\\u203A"
                + "\\u00AB\\u00BB]{1,2}", Action.QUOTE_RIGHT);
        rule(++p, "<<|>>", Action.TEXT);
        rule(++p, "[+%&~^|\\\\\\u00A6\\u00A7\\u00A8\\u00A9\\u00AC\\u00AE\\u00AF\\u00B0-\\u00BA\\u00D7\\u00F7\\u0387"
                + "\\u05BE\\u05C0\\u05C3\\u05C6\\u05F3\\u05F4\\u0600-\\u0603\\u0606-\\u060A\\u060C\\u0614\\u061B"
                + "\\u061E\\u066A\\u066D\\u0703-\\u070D\\u07F6-\\u07F8\\u0964\\u0965\\u0E4F\\u1FBD"
                + "\\u2016\\u2017\\u2020-\\u2023\\u2030-\\u2038\\u203B\\u203E-\\u2042\\u2044\\u207A-\\u207F"
                + "\\u208A-\\u208E\\u2100-\\u214F\\u2190-\\u21FF\\u2200-\\u2BFF\\u3012\\u30FB\\uFF01-\\uFF0F"
                + "\\uFF1A-\\uFF20\\uFF3B-\\uFF40"
                + "\\uFF5B-\\uFF65]", Action.TEXT);
        rule(++p, "\\x00|" + SPACE + "+|[\\u200B\\u200E\\u200F\\uFEFF]", Action.SKIP);
        rule(++p, "\\r\\n|[\\r\\n\\u2028\\u2029\\u000B\\u000C\\u0085]", Action.NEWLINE);
        rule(++p, "&(?i:nbsp);", Action.SKIP);
        rule(++p, "[\\s\\S]", Action.DELETE);
    }

    /** For each first character, the rules that can match there (found once, with {@link Matcher#hitEnd()}). */
    private static final ConcurrentHashMap<Character, int[]> CANDIDATES = new ConcurrentHashMap<>();

    private static int[] candidates(char first) {
        if (Character.isSurrogate(first)) {
            return allRules();
        }
        return CANDIDATES.computeIfAbsent(first, c -> {
            String single = String.valueOf(c.charValue());
            List<Integer> matching = new ArrayList<>();
            for (int i = 0; i < RULES.size(); i++) {
                Matcher matcher = RULES.get(i).pattern().matcher(single);
                if (matcher.lookingAt() || matcher.hitEnd()) {
                    matching.add(i);
                }
            }
            return matching.stream().mapToInt(Integer::intValue).toArray();
        });
    }

    private static int[] allRules() {
        int[] all = new int[RULES.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    // ---------------------------------------------------------------- tokenizing

    /**
     * The tokens of {@code text}, with {@link #NEWLINE} for each line break, as the lexer returns them (not lower-cased).
     */
    public static List<String> tokenize(String text) {
        List<String> tokens = lex(text);
        tokens.replaceAll(token -> token == null ? NEWLINE : token);
        return tokens;
    }

    /**
     * The tokens of each line of {@code text}, split at the lexer's line-break tokens: line {@code i} of the result holds
     * the tokens of line {@code i} (there are always as many lines as line breaks plus one).
     */
    public static List<List<String>> tokenizeLines(String text) {
        List<List<String>> lines = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String token : lex(text)) {
            if (token == null) {
                lines.add(current);
                current = new ArrayList<>();
            } else {
                current.add(token);
            }
        }
        lines.add(current);
        return lines;
    }

    /** The lexer's tokens, with {@code null} for a line break. */
    private static List<String> lex(String text) {
        Objects.requireNonNull(text, "text");
        List<String> tokens = new ArrayList<>();
        Matcher[] matchers = new Matcher[RULES.size()];
        int length = text.length();
        int position = 0;
        while (position < length) {
            int plain = plainWordEnd(text, position);
            if (plain > position) {
                tokens.add(text.substring(position, plain));
                position = plain;
                continue;
            }
            int best = -1;
            int bestTotal = 0;
            int bestToken = 0;
            for (int index : candidates(text.charAt(position))) {
                Rule rule = RULES.get(index);
                Matcher matcher = matchers[index];
                if (matcher == null) {
                    matcher = rule.pattern().matcher(text);
                    matchers[index] = matcher;
                }
                matcher.region(position, length);
                if (!matcher.lookingAt()) {
                    continue;
                }
                int total = matcher.end() - position;
                // strictly longer wins; on a tie the earlier rule (lower priority number) stays
                if (total > bestTotal) { // candidates come in rule order: on a tie the earlier rule stays
                    best = index;
                    bestTotal = total;
                    bestToken = rule.trailing() ? matcher.end(1) - position : total;
                }
            }
            if (best < 0) { // cannot happen: the last rule matches any character
                throw new IllegalStateException("no rule matches at " + position);
            }
            String matched = text.substring(position, position + bestToken);
            position += act(RULES.get(best).action(), matched, tokens);
        }
        return tokens;
    }

    /**
     * A shortcut for the most common token: where a run of ASCII letters is followed by a space, tab, newline or the end
     * of the text, the longest match is the run itself, as a word (every rule that could match more needs a character
     * such as {@code . ' - / @ & , :} or a digit after the letters; those that match the run with a space as trailing
     * context give the same token), except for the split words cannot, gonna, .... Returns the end of such a run, or
     * {@code position} when the shortcut does not apply. Checked against the full rule set on the corpora named above.
     */
    private static int plainWordEnd(String text, int position) {
        int end = position;
        while (end < text.length() && isAsciiLetter(text.charAt(end))) {
            end++;
        }
        if (end == position || (end < text.length() && " \t\n".indexOf(text.charAt(end)) < 0)) {
            return position;
        }
        if (end - position == 5 || end - position == 6) {
            String word = text.substring(position, end).toLowerCase(Locale.ROOT);
            if (SPLIT_WORDS.contains(word)) {
                return position;
            }
        }
        return end;
    }

    private static final Set<String> SPLIT_WORDS = Set.of("cannot", "gonna", "gotta", "lemme", "gimme", "wanna");

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** Applies a rule's action to its token {@code matched}; returns how many characters were consumed. */
    private static int act(Action action, String matched, List<String> tokens) {
        int length = matched.length();
        switch (action) {
            case TEXT -> tokens.add(matched);
            case LESS_THAN -> tokens.add("<");
            case GREATER_THAN -> tokens.add(">");
            case SOFT_HYPHENS -> tokens.add(removeSoftHyphens(matched));
            case PUSHBACK_2 -> {
                tokens.add(matched.substring(0, length - 2));
                return length - 2;
            }
            case PUSHBACK_3 -> {
                tokens.add(matched.substring(0, length - 3));
                return length - 3;
            }
            case SGML -> tokens.add(matched.replace(' ', '\u00A0'));
            case MDASH -> tokens.add("--");
            case AMP -> tokens.add(normalizeAmp(matched));
            case QUOTE_LEFT -> tokens.add(latexQuotes(matched, true));
            case QUOTE_RIGHT -> tokens.add(latexQuotes(matched, false));
            case FRACTION -> tokens.add(matched.replace(' ', '\u00A0'));
            case FRACTION_CHAR -> tokens.add(switch (matched) {
                case "\u00BC" -> "1/4";
                case "\u00BD" -> "1/2";
                case "\u00BE" -> "3/4";
                case "\u2153" -> "1/3";
                case "\u2154" -> "2/3";
                default -> matched;
            });
            case CURRENCY -> tokens.add(switch (matched) {
                case "\u00A2" -> "cents";
                case "\u00A3" -> "#";
                case "\u0080", "\u00A4", "\u20A0", "\u20AC" -> "$";
                default -> matched;
            });
            case ACRONYM_SENTENCE_END -> {
                if (length == 2) { // "I." before "The": the letter now, the period next time
                    tokens.add(matched.substring(0, 1));
                    return 1;
                }
                tokens.add(matched); // "U.S." with its period, and the period again as a token of its own
                return length - 1;
            }
            case REDUPLICATE_PERIOD -> {
                tokens.add(matched);
                return length - 1;
            }
            case PHONE -> tokens.add(matched.replace(' ', '\u00A0').replace("(", "-LRB-").replace(")", "-RRB-"));
            case SMILEY -> tokens.add(matched.replace("(", "-LRB-").replace(")", "-RRB-"));
            case LCB -> tokens.add("-LCB-");
            case RCB -> tokens.add("-RCB-");
            case LSB -> tokens.add("-LSB-");
            case RSB -> tokens.add("-RSB-");
            case LRB -> tokens.add("-LRB-");
            case RRB -> tokens.add("-RRB-");
            case HYPHENS -> tokens.add(length >= 3 && length <= 4 ? "--" : matched);
            case ELLIPSIS -> tokens.add("...");
            case NEWLINE -> tokens.add(null);
            case SKIP, DELETE -> {
                // whitespace, and characters the lexer cannot tokenize (deleted, as its default "firstDelete")
            }
            default -> throw new IllegalStateException("unhandled action " + action);
        }
        return length;
    }

    private static String removeSoftHyphens(String text) {
        if (text.indexOf('\u00AD') < 0) {
            return text;
        }
        String removed = text.replace("\u00AD", "");
        return removed.isEmpty() ? "-" : removed;
    }

    private static final Pattern AMP_ENTITY = Pattern.compile("(?i:&amp;)");

    private static String normalizeAmp(String text) {
        return AMP_ENTITY.matcher(text).replaceAll("&");
    }

    private static final Pattern SINGLE_QUOTE = Pattern.compile("&apos;|'");
    private static final Pattern DOUBLE_QUOTE = Pattern.compile("\"|&quot;");

    /** PTB3 ("LaTeX") quotes: {@code `} and {@code ``} for opening quotes, {@code '} and {@code ''} for closing ones. */
    private static String latexQuotes(String text, boolean probablyLeft) {
        String quoted = SINGLE_QUOTE.matcher(text).replaceAll(probablyLeft ? "`" : "'");
        quoted = DOUBLE_QUOTE.matcher(quoted).replaceAll(probablyLeft ? "``" : "''");
        StringBuilder out = new StringBuilder(quoted.length() + 2);
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            switch (c) {
                case '\u0091', '\u2018', '\u201B', '\u2039' -> out.append('`');
                case '\u0092', '\u2019', '\u203A' -> out.append('\'');
                case '\u0093', '\u201C', '\u00AB' -> out.append("``");
                case '\u0094', '\u201D', '\u00BB' -> out.append("''");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
