package io.github.peft4j.spi;

import static java.util.Objects.requireNonNull;

/**
 * The shape of a loaded model: what an adapter needs to size its parameters.
 *
 * @param architecture the Hugging Face {@code model_type}, e.g. {@code gpt2} or {@code bart}
 * @param encoderLayers layers of the encoder stack; 0 for a decoder-only model
 * @param decoderLayers layers of the decoder stack (GPT-2's blocks count as decoder layers)
 * @param heads attention heads per layer
 * @param headDim size of one head; {@code heads * headDim == hiddenSize}
 * @param hiddenSize width of the residual stream
 * @param vocabSize rows of the token embedding
 * @param maxPositions learned positions available, prefix positions included where they are numbered
 */
public record ModelGeometry(
        String architecture,
        int encoderLayers,
        int decoderLayers,
        int heads,
        int headDim,
        int hiddenSize,
        int vocabSize,
        int maxPositions) {
    public ModelGeometry {
        requireNonNull(architecture, "architecture");
        requirePositive("decoderLayers", decoderLayers);
        requirePositive("heads", heads);
        requirePositive("headDim", headDim);
        requirePositive("hiddenSize", hiddenSize);
        requirePositive("vocabSize", vocabSize);
        requirePositive("maxPositions", maxPositions);
        if (encoderLayers < 0) {
            throw invalid("encoderLayers must be >= 0, got " + encoderLayers);
        }
        if (heads * headDim != hiddenSize) {
            throw invalid("heads (" + heads + ") x headDim (" + headDim + ") must equal hiddenSize (" + hiddenSize + ")");
        }
    }

    public boolean isEncoderDecoder() {
        return encoderLayers > 0;
    }

    /** Number of layers of the given stack (0 for the encoder of a decoder-only model). */
    public int layers(Stack stack) {
        return stack == Stack.ENCODER ? encoderLayers : decoderLayers;
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw invalid(name + " must be positive, got " + value);
        }
    }

    private static PeftException invalid(String message) {
        return new PeftException(StandardErrorCode.MALFORMED_CONFIG, "Invalid model geometry: " + message);
    }
}
