package io.github.peft4j.core.torch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import io.github.peft4j.spi.PeftException;
import io.github.peft4j.spi.StandardErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Fused libtorch kernels that DJL does not expose: one kernel forward and one backward where the same function built
 * from DJL's element-wise ops costs several passes over memory and keeps several intermediates for autograd.
 *
 * <p>They are methods of a TorchScript module ({@code fused_ops.torchscript}, loaded once per JVM) called with autograd
 * on, so gradients flow through them like through any DJL op. Results land in the first input's manager.
 */
public final class FusedOps {
    private static final String SOURCE = "fused_ops.torchscript";
    /** DJL runs the module method named by the first input's name after this prefix (that input is not passed). */
    private static final String METHOD_PREFIX = "module_method:";

    private FusedOps() {}

    /**
     * GELU's tanh approximation, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}: GPT-2's {@code gelu_new}
     * and torch's {@code gelu(x, approximate="tanh")}.
     */
    public static NDArray geluTanh(NDArray x) {
        return call("gelu_tanh", x);
    }

    /**
     * {@code softmax(scale q k^T + mask) v} as torch's {@code scaled_dot_product_attention} (on CPU a flash-attention
     * kernel, forward and backward): no score matrix for autograd to keep, no separate scaling, masking and softmax
     * passes, no copies of transposed heads.
     *
     * @param query {@code [batch, heads, queries, headDim]}
     * @param keys {@code [batch, heads, columns, headDim]}
     * @param values {@code [batch, heads, columns, headDim]}
     * @param additiveMask broadcastable to {@code [batch, heads, queries, columns]}: 0 where a query may look, a large
     *     negative number elsewhere
     * @param scale what the scores are multiplied by, e.g. {@code 1 / sqrt(headDim)}
     * @return {@code [batch, heads, queries, headDim]}
     */
    public static NDArray attention(NDArray query, NDArray keys, NDArray values, NDArray additiveMask, float scale) {
        try (NDArray scaleArray = query.getManager().create(scale)) {
            return call("attention", query, keys, values, additiveMask, scaleArray);
        }
    }

    /**
     * A bfloat16 copy of {@code x} (same layout), in {@code x}'s manager. DJL cannot read or convert bf16 arrays
     * (its data type shows as unknown): the copy is only an operand of {@link #linearBf16}.
     */
    public static NDArray toBf16(NDArray x) {
        return call("to_bf16", x);
    }

    /**
     * {@code x W^T + b} as one bfloat16 GEMM that adds the bias, forward and (for {@code x}'s gradient) backward,
     * returned as float32: torch's CPU autocast for a frozen linear layer.
     *
     * @param x float32 {@code [..., in]}
     * @param weightBf16 {@code [out, in]} from {@link #toBf16}; it gets no gradient
     * @param biasBf16 {@code [out]} from {@link #toBf16}
     */
    public static NDArray linearBf16(NDArray x, NDArray weightBf16, NDArray biasBf16) {
        return call("linear_bf16", x, weightBf16, biasBf16);
    }

    private static NDArray call(String method, NDArray... inputs) {
        NDList arguments = new NDList(inputs.length + 1);
        // DJL reads structure into input names ("a.b" is a dictionary entry, "a[]" a list): weights named like
        // "h.0.attn.c_attn.bias" must pass as plain tensors. Unnamed arrays (intermediates, the bf16 copies) are left
        // untouched, so that threads sharing them never race on a name.
        String[] names = new String[inputs.length];
        // One marker per call, in the first input's manager: DJL puts the result in the marker's manager.
        try (NDArray marker = inputs[0].getManager().create(0f)) {
            marker.setName(METHOD_PREFIX + method);
            arguments.add(marker);
            for (int i = 0; i < inputs.length; i++) {
                names[i] = inputs[i].getName();
                if (names[i] != null) {
                    inputs[i].setName(null);
                }
                arguments.add(inputs[i]);
            }
            return IValueUtils.forward(Module.INSTANCE, arguments, true).singletonOrThrow();
        }
        finally {
            for (int i = 0; i < inputs.length; i++) {
                if (names[i] != null) {
                    inputs[i].setName(names[i]);
                }
            }
        }
    }

    /** Loaded on first use; it lives as long as the JVM, in a manager of its own. */
    private static final class Module {
        static final PtSymbolBlock INSTANCE = load();

        private static PtSymbolBlock load() {
            String source;
            try (InputStream in = FusedOps.class.getResourceAsStream(SOURCE)) {
                if (in == null) {
                    throw new PeftException(StandardErrorCode.INTERNAL_ERROR, "The resource " + SOURCE + " is missing from peft4j-core's jar");
                }
                source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            catch (IOException e) {
                throw new PeftException(StandardErrorCode.INTERNAL_ERROR, "Cannot read " + SOURCE + " from peft4j-core's jar: " + e.getMessage(), e);
            }
            PtNDManager manager = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
            try {
                return JniUtils.loadModule(manager, new ByteArrayInputStream(TorchScriptArchive.of("FusedOps", source)), true, false);
            }
            catch (IOException e) {
                throw new PeftException(StandardErrorCode.INTERNAL_ERROR, "libtorch cannot load peft4j's fused kernels: " + e.getMessage(), e);
            }
        }
    }
}
