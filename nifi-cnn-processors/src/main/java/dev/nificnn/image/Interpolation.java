package dev.nificnn.image;

import dev.nificnn.vocabulary.DescribedChoice;

/** Resampling filter, with the same meaning (and, for 8-bit images, the same results) as Pillow's filters of that name. */
public enum Interpolation implements DescribedChoice {
    /** Nearest neighbour: each output pixel copies the source pixel under its centre. */
    NEAREST("Nearest", "Copy the source pixel under each output pixel's centre (fastest, blocky)"),
    /** Triangle filter; its support grows with the reduction factor, so downscaling averages (antialiases). */
    BILINEAR("Bilinear", "Triangle filter, antialiased when downscaling; the same pixels as Pillow's BILINEAR"),
    /** Cubic convolution (a = -0.5); its support grows with the reduction factor like bilinear. */
    BICUBIC("Bicubic", "Cubic filter (a = -0.5), antialiased when downscaling; the same pixels as Pillow's BICUBIC"),
    /** Box filter: each output pixel is the area-weighted average of the source pixels it covers. */
    AREA("Area", "Average of the source pixels each output pixel covers (best for strong reductions); Pillow's BOX");

    /** The value every component (processor property, model service property, model manifest) takes when none is given. */
    public static final Interpolation DEFAULT = BILINEAR;

    private final String displayName;
    private final String description;

    Interpolation(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
    }

    @Override
    public String getValue() {
        return name();
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }
}
