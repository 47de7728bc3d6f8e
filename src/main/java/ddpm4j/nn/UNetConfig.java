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
 * @param downBlockTypes     {@code down_block_types}: {@code DownBlock2D}, {@code AttnDownBlock2D} or
 *                           {@code ResnetDownsampleBlock2D} (ADM's: a ResBlock halves the size)
 * @param upBlockTypes       {@code up_block_types}: {@code UpBlock2D}, {@code AttnUpBlock2D} or
 *                           {@code ResnetUpsampleBlock2D}, lowest resolution first
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
 * @param resnetTimeScaleShift {@code resnet_time_scale_shift}: {@code default} adds the projected timestep
 *                           embedding before the second GroupNorm; {@code scale_shift} (ADM's AdaGN) scales and
 *                           shifts the normalised features by it
 * @param downsampleType     {@code downsample_type}: how an {@code AttnDownBlock2D} halves the size: {@code conv}
 *                           (a stride-2 convolution) or {@code resnet} (a ResBlock with average pooling)
 * @param upsampleType       {@code upsample_type}: how an {@code AttnUpBlock2D} doubles it: {@code conv}
 *                           (nearest, then a convolution) or {@code resnet} (a ResBlock with nearest upsampling)
 * @param attnNormNumGroups  {@code attn_norm_num_groups}: the GroupNorm of the middle block's attention; null
 *                           means norm_num_groups with {@code default} time conditioning and, as diffusers
 *                           has it, no GroupNorm there with {@code scale_shift}
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
        Integer numClassEmbeds,
        String resnetTimeScaleShift,
        String downsampleType,
        String upsampleType,
        Integer attnNormNumGroups) {

    public static final String DOWN = "DownBlock2D";
    public static final String ATTN_DOWN = "AttnDownBlock2D";
    public static final String UP = "UpBlock2D";
    public static final String ATTN_UP = "AttnUpBlock2D";
    public static final String RESNET_DOWN = "ResnetDownsampleBlock2D";
    public static final String RESNET_UP = "ResnetUpsampleBlock2D";
    /** {@code resnet_time_scale_shift} values. */
    public static final String TIME_ADD = "default";
    public static final String TIME_SCALE_SHIFT = "scale_shift";
    /** {@code downsample_type} / {@code upsample_type} values. */
    public static final String RESAMPLE_CONV = "conv";
    public static final String RESAMPLE_RESNET = "resnet";

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
            oneOf("down_block_types", t, DOWN, ATTN_DOWN, RESNET_DOWN);
        }
        for (String t : upBlockTypes) {
            oneOf("up_block_types", t, UP, ATTN_UP, RESNET_UP);
        }
        oneOf("resnet_time_scale_shift", resnetTimeScaleShift, TIME_ADD, TIME_SCALE_SHIFT);
        oneOf("downsample_type", downsampleType, RESAMPLE_CONV, RESAMPLE_RESNET);
        oneOf("upsample_type", upsampleType, RESAMPLE_CONV, RESAMPLE_RESNET);
        if (attnNormNumGroups != null && (attnNormNumGroups <= 0 || blockOutChannels.get(blockOutChannels.size() - 1) % attnNormNumGroups != 0)) {
            throw new IllegalArgumentException("attn_norm_num_groups " + attnNormNumGroups + " does not divide the middle block's "
                    + blockOutChannels.get(blockOutChannels.size() - 1) + " channels");
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

    private static void oneOf(String key, String value, String... allowed) {
        if (!java.util.Arrays.asList(allowed).contains(value)) {
            throw new IllegalArgumentException(key + ": unsupported value '" + value + "' (supported: " + String.join(", ", allowed) + ")");
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
                centerInputSample, midBlockScaleFactor, addAttention, timeEmbeddingDim, numClassEmbeds, resnetTimeScaleShift,
                downsampleType, upsampleType, attnNormNumGroups);
    }

    /** This architecture with another dropout rate. */
    public UNetConfig withDropout(double rate) {
        return new UNetConfig(sampleSize, inChannels, outChannels, blockOutChannels, layersPerBlock, downBlockTypes,
                upBlockTypes, normNumGroups, normEps, freqShift, flipSinToCos, downsamplePadding, attentionHeadDim, rate,
                centerInputSample, midBlockScaleFactor, addAttention, timeEmbeddingDim, numClassEmbeds, resnetTimeScaleShift,
                downsampleType, upsampleType, attnNormNumGroups);
    }

    /** This architecture with {@code rows} class embeddings (null: unconditional). */
    public UNetConfig withClassEmbeds(Integer rows) {
        return new UNetConfig(sampleSize, inChannels, outChannels, blockOutChannels, layersPerBlock, downBlockTypes,
                upBlockTypes, normNumGroups, normEps, freqShift, flipSinToCos, downsamplePadding, attentionHeadDim, dropout,
                centerInputSample, midBlockScaleFactor, addAttention, timeEmbeddingDim, rows, resnetTimeScaleShift,
                downsampleType, upsampleType, attnNormNumGroups);
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

    /** AdaGN: the timestep embedding scales and shifts each ResBlock's normalised features ({@code scale_shift}). */
    public boolean scaleShift() {
        return resnetTimeScaleShift.equals(TIME_SCALE_SHIFT);
    }

    /**
     * Groups of the middle block's attention GroupNorm, 0 for none: attn_norm_num_groups, else norm_num_groups
     * with {@code default} time conditioning and none with {@code scale_shift} (diffusers' UNetMidBlock2D).
     */
    public int midAttentionGroups() {
        return attnNormNumGroups != null ? attnNormNumGroups : scaleShift() ? 0 : normNumGroups;
    }

    /** Whether down block {@code type} halves the size with a ResBlock (average pooling) rather than a stride-2 convolution. */
    public boolean resnetDownsample(String type) {
        return type.equals(RESNET_DOWN) || type.equals(ATTN_DOWN) && downsampleType.equals(RESAMPLE_RESNET);
    }

    /** Whether up block {@code type} doubles the size with a ResBlock (nearest) rather than nearest and a convolution. */
    public boolean resnetUpsample(String type) {
        return type.equals(RESNET_UP) || type.equals(ATTN_UP) && upsampleType.equals(RESAMPLE_RESNET);
    }

    /** Number of resolution levels. */
    public int levels() {
        return blockOutChannels.size();
    }

    /**
     * ADM's network (Dhariwal &amp; Nichol 2021, as OpenAI's consistency models use it) with the given width, multipliers,
     * attention resolutions and heads of {@code headDim} channels: ResBlocks that resample, AdaGN time conditioning,
     * diffusers' defaults elsewhere (GroupNorm ε 1e-5, [cos, sin] embeddings without a frequency shift).
     */
    public static UNetConfig adm(int resolution, int channels, int baseChannels, int[] multipliers, int blocks,
                                 List<Integer> attentionResolutions, int headDim, double dropout) {
        Levels l = Levels.of(resolution, baseChannels, multipliers, attentionResolutions, RESNET_DOWN, RESNET_UP);
        return new UNetConfig(resolution, channels, channels, l.outs, blocks, l.downs, l.ups, 32, 1e-5, 0, true,
                1, headDim, dropout, false, 1.0, true, null, null, TIME_SCALE_SHIFT, RESAMPLE_RESNET, RESAMPLE_RESNET, 32);
    }

    /** Channels and block types per level: attention blocks at the given resolutions, {@code down}/{@code up} elsewhere. */
    private record Levels(List<Integer> outs, List<String> downs, List<String> ups) {
        static Levels of(int resolution, int baseChannels, int[] multipliers, List<Integer> attentionResolutions, String down, String up) {
            Levels l = new Levels(new java.util.ArrayList<>(), new java.util.ArrayList<>(), new java.util.ArrayList<>());
            int res = resolution;
            for (int m : multipliers) {
                l.outs.add(baseChannels * m);
                l.downs.add(attentionResolutions.contains(res) ? ATTN_DOWN : down);
                l.ups.add(0, attentionResolutions.contains(res) ? ATTN_UP : up);
                res /= 2;
            }
            return l;
        }
    }

    /** The original DDPM network with the given width, multipliers and attention resolutions. */
    public static UNetConfig ddpm(int resolution, int channels, int baseChannels, int[] multipliers,
                                  int blocks, List<Integer> attentionResolutions, double dropout) {
        Levels l = Levels.of(resolution, baseChannels, multipliers, attentionResolutions, DOWN, UP);
        return new UNetConfig(resolution, channels, channels, l.outs, blocks, l.downs, l.ups, 32, 1e-6, 1, false,
                0, null, dropout, false, 1.0, true, null, null, TIME_ADD, RESAMPLE_CONV, RESAMPLE_CONV, null);
    }
}
