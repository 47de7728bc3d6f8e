package ddpm4j.diffusion;

import org.bytedeco.pytorch.Tensor;

/** The network as the diffusion sees it: x_t [B,C,H,W] and integer timesteps t [B] in, its output out. */
@FunctionalInterface
public interface Denoiser {
    Tensor apply(Tensor xt, Tensor t);
}
