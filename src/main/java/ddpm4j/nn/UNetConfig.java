package ddpm4j.nn;

import java.util.List;

/**
 * The architecture of a {@link UNet2DModel}, field for field the diffusers UNet2DModel
 * {@code config.json} (the JSON key is given for each component).
 *
 * @param sampleSize         {@code sample_size}: the training resolution
 * @param inChannels         {@code in_channels}
 * @param outChannels        {@code out_channels}
 * @param blockOutChannels   {@code block_out_channels}: channels per resolution level
 * @param layersPerBlock     {@code layers_per_block}: ResBlocks per down level (up levels have one more)
 * @param downBlockTypes     {@code down_block_types}: {@code DownBlock2D} or {@code AttnDownBlock2D}
 * @param upBlockTypes       {@code up_block_types}: {@code UpBlock2D} or {@code AttnUpBlock2D}, lowest resolution first
 * @param normNumGroups      {@code norm_num_groups}
 * @param normEps            {@code norm_eps}
 * @param freqShift          {@code freq_shift}: 1 in the original code
 * @param flipSinToCos       {@code flip_sin_to_cos}
 * @param downsamplePadding  {@code downsample_padding}: 0 pads (0,1,0,1) as the original does
 * @param attentionHeadDim   {@code attention_head_dim}: null for one head over all channels
 * @param dropout            {@code dropout}
 * @param centerInputSample  {@code center_input_sample}: maps inputs from [0,1] to [−1,1]
 * @param midBlockScaleFactor {@code mid_block_scale_factor}
 * @param addAttention       {@code add_attention}: self-attention in the middle block
 * @param timeEmbeddingDim   {@code time_embedding_dim}: null for 4 × block_out_channels[0]
 * @param numClassEmbeds     {@code num_class_embeds}: null for an unconditional network; otherwise
 *                           the rows of a learned class embedding added to the timestep embedding;
 *                           the last row is the "no class" label ({@link #nullLabel()})
 */
public record UNetConfig(
        int sampleSize,
        int inChannels,
        int outChannels,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        int normNumGroups,
        double normEps,
        double freqShift,
        boolean flipSinToCos,
        int downsamplePadding,
        Integer attentionHeadDim,
        double dropout,
        boolean centerInputSample,
        double midBlockScaleFactor,
        boolean addAttention,
        Integer timeEmbeddingDim,
        Integer numClassEmbeds) {

    public static final String DOWN = "DownBlock2D";
    public static final String ATTN_DOWN = "AttnDownBlock2D";
    public static final String UP = "UpBlock2D";
    public static final String ATTN_UP = "AttnUpBlock2D";

    public UNetConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        positive("sample_size", sampleSize);
        positive("in_channels", inChannels);
        positive("out_channels", outChannels);
        positive("layers_per_block", layersPerBlock);
        positive("norm_num_groups", normNumGroups);
        if (blockOutChannels.isEmpty()) {
            throw new IllegalArgumentException("block_out_channels is empty");
        }
        for (int c : blockOutChannels) {
            positive("block_out_channels", c);
            if (c % normNumGroups != 0) {
                throw new IllegalArgumentException("block_out_channels entry " + c
                        + " is not a multiple of norm_num_groups " + normNumGroups);
            }
            if (attentionHeadDim != null && (attentionHeadDim <= 0 || c % attentionHeadDim != 0)) {
                throw new IllegalArgumentException("block_out_channels entry " + c
                        + " is not a multiple of attention_head_dim " + attentionHeadDim);
            }
        }
        if (downBlockTypes.size() != blockOutChannels.size()) {
            throw new IllegalArgumentException("down_block_types has " + downBlockTypes.size()
                    + " entries but block_out_channels has " + blockOutChannels.size());
        }
        if (upBlockTypes.size() != blockOutChannels.size()) {
            throw new IllegalArgumentException("up_block_types has " + upBlockTypes.size()
                    + " entries but block_out_channels has " + blockOutChannels.size());
        }
        for (String t : downBlockTypes) {
            if (!t.equals(DOWN) && !t.equals(ATTN_DOWN)) {
                throw new IllegalArgumentException("down_block_types: unsupported block type '" + t
                        + "' (supported: " + DOWN + ", " + ATTN_DOWN + ")");
            }
        }
        for (String t : upBlockTypes) {
            if (!t.equals(UP) && !t.equals(ATTN_UP)) {
                throw new IllegalArgumentException("up_block_types: unsupported block type '" + t
                        + "' (supported: " + UP + ", " + ATTN_UP + ")");
            }
        }
        if (!(normEps > 0)) {
            throw new IllegalArgumentException("norm_eps must be positive, got " + normEps);
        }
        if (downsamplePadding != 0 && downsamplePadding != 1) {
            throw new IllegalArgumentException("downsample_padding must be 0 or 1, got " + downsamplePadding);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (!(midBlockScaleFactor > 0)) {
            throw new IllegalArgumentException("mid_block_scale_factor must be positive, got " + midBlockScaleFactor);
        }
        if (timeEmbeddingDim != null) {
            positive("time_embedding_dim", timeEmbeddingDim);
        }
        if (numClassEmbeds != null && numClassEmbeds < 2) {
            throw new IllegalArgumentException("num_class_embeds must be at least 2 (a class and the no-class label), got "
                    + numClassEmbeds);
        }
        if (blockOutChannels.get(0) / 2 - freqShift <= 0) {
            throw new IllegalArgumentException("freq_shift " + freqShift + " is too large for "
                    + blockOutChannels.get(0) + " embedding channels");
        }
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + value);
        }
    }

    /** This architecture for images of side {@code size} with {@code in} channels, predicting {@code out}. */
    public UNetConfig withImages(int size, int in, int out) {
        return new UNetConfig(size, in, out, blockOutChannels, layersPerBlock, downBlockTypes,
                upBlockTypes, normNumGroups, normEps, freqShift, flipSinToCos, downsamplePadding, attentionHeadDim, dropout,
                centerInputSample, midBlockScaleFactor, addAttention, timeEmbeddingDim, numClassEmbeds);
    }

    /** This architecture with another dropout rate. */
    public UNetConfig withDropout(double rate) {
        return new UNetConfig(sampleSize, inChannels, outChannels, blockOutChannels, layersPerBlock, downBlockTypes,
                upBlockTypes, normNumGroups, normEps, freqShift, flipSinToCos, downsamplePadding, attentionHeadDim, rate,
                centerInputSample, midBlockScaleFactor, addAttention, timeEmbeddingDim, numClassEmbeds);
    }

    /** This architecture with {@code rows} class embeddings (null: unconditional). */
    public UNetConfig withClassEmbeds(Integer rows) {
        return new UNetConfig(sampleSize, inChannels, outChannels, blockOutChannels, layersPerBlock, downBlockTypes,
                upBlockTypes, normNumGroups, normEps, freqShift, flipSinToCos, downsamplePadding, attentionHeadDim, dropout,
                centerInputSample, midBlockScaleFactor, addAttention, timeEmbeddingDim, rows);
    }

    public boolean classConditional() {
        return numClassEmbeds != null;
    }

    /**
     * The "no class" label of a class-conditional network: by ddpm4j's convention the last class
     * embedding, which label dropout trains for classifier-free guidance.
     */
    public int nullLabel() {
        if (numClassEmbeds == null) {
            throw new IllegalStateException("not a class-conditional network");
        }
        return numClassEmbeds - 1;
    }

    /** Channels of the timestep embedding fed to every ResBlock. */
    public int timeEmbedChannels() {
        return timeEmbeddingDim != null ? timeEmbeddingDim : 4 * blockOutChannels.get(0);
    }

    /** Number of resolution levels. */
    public int levels() {
        return blockOutChannels.size();
    }

    /** The original DDPM network with the given width, multipliers and attention resolutions. */
    public static UNetConfig ddpm(int resolution, int channels, int baseChannels, int[] multipliers,
                                  int blocks, List<Integer> attentionResolutions, double dropout) {
        List<Integer> outs = new java.util.ArrayList<>();
        List<String> downs = new java.util.ArrayList<>();
        List<String> ups = new java.util.ArrayList<>();
        int res = resolution;
        for (int m : multipliers) {
            outs.add(baseChannels * m);
            downs.add(attentionResolutions.contains(res) ? ATTN_DOWN : DOWN);
            ups.add(0, attentionResolutions.contains(res) ? ATTN_UP : UP);
            res /= 2;
        }
        return new UNetConfig(resolution, channels, channels, outs, blocks, downs, ups, 32, 1e-6, 1, false,
                0, null, dropout, false, 1.0, true, null, null);
    }
}
