/**
 * The optimizer side of training, matching PyTorch and Hugging Face so that runs reproduce theirs:
 * {@link io.github.peft4j.core.training.optim.AdamW} ({@code torch.optim.AdamW}, not DJL's Adam, which adds epsilon
 * before the bias correction), {@link io.github.peft4j.core.training.optim.LearningRateSchedule} (constant and
 * {@code get_linear_schedule_with_warmup}) and {@link io.github.peft4j.core.training.optim.GradientClipping}
 * ({@code clip_grad_norm_}). Updates are in place, in float32, outside autograd, with scalar constants held in
 * arrays that outlive the operation (DJL's {@code NDArray.mul(Number)} frees its scalar while the engine may still
 * use it), and free every temporary before returning.
 */
package io.github.peft4j.core.training.optim;
