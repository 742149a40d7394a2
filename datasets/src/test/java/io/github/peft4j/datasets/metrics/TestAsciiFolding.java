package io.github.peft4j.datasets.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** unidecode's ASCII forms of Latin text. */
final class TestAsciiFolding {
    @Test
    void accentsAreDroppedAndOtherLettersSpelledOut() {
        assertThat(AsciiFolding.fold("São Paulo, Zürich, Brașov, İzmir, Ağrı")).isEqualTo("Sao Paulo, Zurich, Brasov, Izmir, Agri");
        assertThat(AsciiFolding.fold("Straße, Ørsted, Æsir, Łódź, Þór, œuvre")).isEqualTo("Strasse, Orsted, AEsir, Lodz, Thor, oeuvre");
        assertThat(AsciiFolding.fold("e\u0301")).isEqualTo("e");
    }

    @Test
    void signsAndPunctuationBecomeAscii() {
        assertThat(AsciiFolding.fold("1990–1995 — “quoted” it’s… ½ 5°\u00a0C")).isEqualTo("1990-1995 -- \"quoted\" it's...  1/2  5degC".replace("degC", "deg C"));
        assertThat(AsciiFolding.fold("plain ASCII ~!")).isEqualTo("plain ASCII ~!");
    }

    @Test
    void otherScriptsAreKept() {
        assertThat(AsciiFolding.fold("Αθήνα 東京")).isEqualTo("Αθήνα 東京");
    }
}
