using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Training;

/// <summary>
/// One rule of a Balanced PIONEER schedule (the reference's TrainingScheduler.add): from <paramref name="StartImages"/>
/// images on, train level <paramref name="Level"/> with this learning rate (encoder and decoder alike) and KL margin
/// (code units: 0.1 × the paper's M_gap; 0 switches the hinge off).
/// </summary>
public sealed record PioneerRule(long StartImages, int Level, double LearningRate, double Margin);

/// <summary>
/// Where a run stands after <see cref="ImagesSeen"/> images: the rule in force (its index changes exactly when the
/// reference's scheduler reports a change, which empties the image pool), the level, learning rate and margin, the
/// images since the level began (<see cref="ImagesInLevel"/>), the fade-in position and the weight λ_X of the L1
/// reconstruction term.
/// </summary>
public sealed record PioneerSchedulePoint(long ImagesSeen, int RuleIndex, int Level, double LearningRate, double Margin,
    long ImagesInLevel, double Blend, double ReconstructionWeight)
{
    /// <summary>The encoder's fakes go through the image pool only once the fade-in is over (the reference's alpha ≥ 1, level 0 included).</summary>
    public bool UsesImagePool => Blend >= 1;

    /// <summary>Real images are blended with their upsampled half-resolution version while a new level fades in.</summary>
    public bool BlendsRealImages => Level > 0 && Blend < 1;
}

/// <summary>
/// The rule schedule of Balanced PIONEER's official code (train.py makeTS, training_scheduler.py), as a pure function of
/// the images seen before an iteration. The rule in force is the last one whose start is ≤ the images seen. A level's
/// images are counted from the first of the consecutive rules with that level (a margin change inside a level does
/// not restart it). Fade-in: blend = min(1, 2·images-in-level / ImagesPerStage), linear over the first half stage;
/// λ_X is <see cref="ReconstructionWeight"/> during that half and <see cref="ReconstructionWeightAfterFade"/> after it.
/// The reference never applies its first rule (its scheduler only moves to later ones), so the first level runs at the
/// command line's learning rate (0.001) and margin 0; presets give the effective first rule, see docs/pioneer-presets.md.
/// </summary>
public sealed class PioneerSchedule
{
    public PioneerSchedule(IReadOnlyList<PioneerRule> rules, long imagesPerStage, double reconstructionWeight = 1, double reconstructionWeightAfterFade = 1.5)
    {
        if (rules.Count == 0) throw new ArgumentException("PIONEER schedule: needs at least one rule");
        if (rules[0].StartImages != 0) throw new ArgumentException($"PIONEER schedule: the first rule must start at 0 images, got {rules[0].StartImages}");
        for (int i = 0; i < rules.Count; i++)
        {
            var r = rules[i];
            string at = $"PIONEER schedule rule {i} ({r})";
            if (i > 0 && r.StartImages <= rules[i - 1].StartImages) throw new ArgumentException($"{at}: rules must start at strictly increasing image counts");
            if (i > 0 && r.Level < rules[i - 1].Level) throw new ArgumentException($"{at}: levels must not decrease");
            if (r.Level < 0) throw new ArgumentException($"{at}: level must be ≥ 0");
            if (!(r.LearningRate > 0)) throw new ArgumentException($"{at}: learning rate must be > 0");
            if (!(r.Margin >= 0)) throw new ArgumentException($"{at}: margin must be ≥ 0");
        }
        if (imagesPerStage < 2) throw new ArgumentException($"PIONEER schedule: images per stage must be ≥ 2, got {imagesPerStage}");
        if (!(reconstructionWeight > 0) || !(reconstructionWeightAfterFade > 0))
            throw new ArgumentException($"PIONEER schedule: reconstruction weights must be > 0, got {reconstructionWeight} and {reconstructionWeightAfterFade}");
        Rules = rules.ToArray();
        ImagesPerStage = imagesPerStage;
        ReconstructionWeight = reconstructionWeight;
        ReconstructionWeightAfterFade = reconstructionWeightAfterFade;
    }

    public IReadOnlyList<PioneerRule> Rules { get; }
    /// <summary>The reference's images_per_stage (2.4 M): the fade-in lasts half of it.</summary>
    public long ImagesPerStage { get; }
    /// <summary>λ_X during a level's first half stage (the reference's match_x = 1).</summary>
    public double ReconstructionWeight { get; }
    /// <summary>λ_X from half a stage into a level on (match_x · matching_phase_x = 1.5).</summary>
    public double ReconstructionWeightAfterFade { get; }

    public PioneerSchedulePoint At(long imagesSeen)
    {
        if (imagesSeen < 0) throw new ArgumentOutOfRangeException(nameof(imagesSeen), imagesSeen, "images seen must be ≥ 0");
        int index = Rules.Count - 1;
        while (Rules[index].StartImages > imagesSeen) index--;
        var rule = Rules[index];
        int first = index;
        while (first > 0 && Rules[first - 1].Level == rule.Level) first--;
        long inLevel = imagesSeen - Rules[first].StartImages;
        double blend = Math.Min(1.0, inLevel * 2.0 / ImagesPerStage);
        double lambdaX = inLevel >= ImagesPerStage / 2.0 ? ReconstructionWeightAfterFade : ReconstructionWeight;
        return new PioneerSchedulePoint(imagesSeen, index, rule.Level, rule.LearningRate, rule.Margin, inLevel, blend, lambdaX);
    }

    /// <summary>
    /// The real images of a fade-in: lerp(upsample(x at half resolution), x, blend), the nearest 2× upsample of the
    /// level below as the reference's CelebA-HQ loader. images: (N, C, R, R), halfResolution: (N, C, R/2, R/2).
    /// </summary>
    public static Tensor BlendRealImages(Tensor images, Tensor halfResolution, double blend)
    {
        if (images.Rank != 4 || halfResolution.Shape != new Shape(images.Shape[0], images.Shape[1], images.Shape[2] / 2, images.Shape[3] / 2)
            || images.Shape[2] % 2 != 0 || images.Shape[3] % 2 != 0)
            throw new ArgumentException($"PIONEER fade-in: half-resolution images must be (N, C, R/2, R/2) for images {images.Shape}, got {halfResolution.Shape}");
        return Op.Lerp(Op.Upsample2x(halfResolution), images, blend);
    }
}
