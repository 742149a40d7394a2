/**
 * libtorch operators that DJL 0.36 does not expose, reached through a TorchScript module that peft4j assembles from
 * its own source at run time (no Python, no file on disk): see {@link io.github.peft4j.core.torch.FusedOps}.
 */
package io.github.peft4j.core.torch;
