package io.github.peft4j.cli.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A small synthetic table-to-text world in the style of E2E: restaurants with a handful of attributes, their
 * meaning representations ({@code name : The Eagle | Type : pub | food : French | area : riverside}) and
 * sentences written from templates of this class (no third-party text). Seeded: equal seeds give equal worlds.
 */
final class RestaurantWorld {
    private static final List<String> NAMES = List.of("The Eagle", "The Mill", "Blue Spice", "Green Man", "The Plough", "Aromi",
            "Bibimbap House", "Cotto", "Fitzbillies", "The Wrestlers", "Zizzi", "Alimentum", "The Punter", "Strada", "Loch Fyne", "Midsummer House");
    private static final List<String> TYPES = List.of("pub", "restaurant", "coffee shop");
    private static final List<String> FOODS = List.of("French", "Italian", "Chinese", "Indian", "English", "Japanese", "fast food");
    private static final List<String> AREAS = List.of("city centre", "riverside");
    private static final List<String> PRICES = List.of("cheap", "moderate", "high");

    /** One restaurant: what a meaning representation lists. */
    /** How many different restaurants the world has. */
    static final int RESTAURANTS = NAMES.size() * TYPES.size() * FOODS.size() * AREAS.size() * PRICES.size();

    record Restaurant(String name, String type, String food, String area, String price) {
        String meaning() {
            return "name : " + name + " | Type : " + type + " | food : " + food + " | area : " + area + " | price : " + price;
        }
    }

    private final Random random;

    RestaurantWorld(long seed) {
        this.random = new Random(seed);
    }

    Restaurant restaurant() {
        return new Restaurant(pick(NAMES), pick(TYPES), pick(FOODS), pick(AREAS), pick(PRICES));
    }

    /** Every way this world says {@code restaurant} in one or two sentences. */
    static List<String> descriptions(Restaurant r) {
        String a = article(r.type());
        String priced = switch (r.price()) {
            case "cheap" -> "cheap";
            case "moderate" -> "moderately priced";
            default -> "expensive";
        };
        String foodNoun = r.food().equals("fast food") ? "fast food" : r.food() + " food";
        return List.of(
                r.name() + " is " + a + " " + r.type() + " serving " + foodNoun + " in the " + r.area() + " . It is " + priced + " .",
                r.name() + " is " + a + " " + priced + " " + r.type() + " in the " + r.area() + " that serves " + foodNoun + " .",
                "In the " + r.area() + " there is " + a + " " + r.type() + " called " + r.name() + " . It serves " + priced + " " + foodNoun + " .",
                r.name() + " serves " + priced + " " + foodNoun + " . It is " + a + " " + r.type() + " in the " + r.area() + " .");
    }

    /**
     * Free text of the world, as a language model would read it: descriptions, bare listings in the task's format,
     * and guide entries that list a place's facts tersely in brackets before describing it (as web pages put tables
     * next to prose, from which real language models learn to describe records). The task's own format, a listing
     * followed by the end-of-text separator and a description, never occurs: steering the model to it is the
     * prefix's job.
     */
    List<String> corpus(int documents) {
        List<String> texts = new ArrayList<>(documents);
        for (int i = 0; i < documents; i++) {
            Restaurant r = restaurant();
            texts.add(switch (i % 8) {
                case 0 -> r.meaning();
                case 1, 2, 3 -> guideEntry(r);
                default -> pick(descriptions(r));
            });
        }
        return texts;
    }

    /** A guide entry: the facts in brackets, in a guide's own terse style, then a description. */
    String guideEntry(Restaurant r) {
        return "( " + r.name() + " , " + r.type() + " , " + r.food() + " , " + r.area() + " , " + r.price() + " ) " + pick(descriptions(r));
    }

    /** Whether {@code text} states every fact of {@code r} (the slot accuracy of table-to-text evaluations). */
    static boolean statesEverything(Restaurant r, String text) {
        String priced = switch (r.price()) {
            case "cheap" -> "cheap";
            case "moderate" -> "moderately priced";
            default -> "expensive";
        };
        return text.contains(r.name()) && text.contains(" " + r.type()) && text.contains(r.food()) && text.contains(r.area()) && text.contains(priced);
    }

    /** Distinct restaurants, with every description of each as references. */
    Map<Restaurant, List<String>> distinct(int count, Set<Restaurant> excluded) {
        if (count > RESTAURANTS - excluded.size()) {
            // Drawing would never end: there are not that many restaurants left.
            throw new IllegalArgumentException(count + " distinct restaurants asked for, but only " + (RESTAURANTS - excluded.size()) + " are left");
        }
        Map<Restaurant, List<String>> result = new LinkedHashMap<>();
        while (result.size() < count) {
            Restaurant r = restaurant();
            if (!excluded.contains(r)) {
                result.putIfAbsent(r, descriptions(r));
            }
        }
        return result;
    }

    /** Every word the world's texts and listings use, for the tokenizer. */
    static Set<String> words() {
        Set<String> words = new TreeSet<>();
        for (String name : NAMES) {
            for (String type : TYPES) {
                for (String food : FOODS) {
                    for (String area : AREAS) {
                        for (String price : PRICES) {
                            Restaurant r = new Restaurant(name, type, food, area, price);
                            List<String> texts = new ArrayList<>(descriptions(r));
                            texts.add(r.meaning());
                            texts.add("( , )");
                            texts.forEach(text -> words.addAll(List.of(text.split(" "))));
                        }
                    }
                }
            }
        }
        return words;
    }

    private static String article(String type) {
        return type.startsWith("a") || type.startsWith("e") ? "an" : "a";
    }

    private String pick(List<String> choices) {
        return choices.get(random.nextInt(choices.size()));
    }
}
