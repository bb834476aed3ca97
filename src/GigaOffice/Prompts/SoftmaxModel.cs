namespace GigaOffice.Prompts;

/// <summary>One labelled example: sparse features and the index of its class.</summary>
public sealed record TrainingExample(Dictionary<string, double> Features, int Label);

/// <summary>
/// Multinomial logistic regression over sparse features, trained by SGD with L2 decay, with a
/// temperature fitted on out-of-fold predictions so that its probabilities are calibrated
/// (a probability of 0.8 is right about 80% of the time). Small enough to train at start: a few
/// hundred examples take well under a second.
/// </summary>
public sealed class SoftmaxModel
{
    private const int Epochs = 40;
    private const double LearningRate = 0.4;
    private const double L2 = 1e-4;
    private const int CalibrationFolds = 5;

    private readonly Dictionary<string, double[]> _weights;
    private readonly double[] _bias;

    private SoftmaxModel(IReadOnlyList<string> classes, Dictionary<string, double[]> weights, double[] bias, double temperature)
    {
        Classes = classes;
        _weights = weights;
        _bias = bias;
        Temperature = temperature;
    }

    public IReadOnlyList<string> Classes { get; }

    /// <summary>Divides the logits before the softmax; fitted at training.</summary>
    public double Temperature { get; }

    /// <summary>Trains on all examples; the temperature comes from a cross-validation over the same examples.</summary>
    public static SoftmaxModel Train(IReadOnlyList<string> classes, IReadOnlyList<TrainingExample> examples)
    {
        var logits = new List<(double[] Logits, int Label)>();
        for (var fold = 0; fold < CalibrationFolds; fold++)
        {
            var (weights, bias) = Fit(classes.Count, examples.Where((_, i) => i % CalibrationFolds != fold).ToList());
            foreach (var held in examples.Where((_, i) => i % CalibrationFolds == fold))
                logits.Add((Logits(weights, bias, held.Features), held.Label));
        }
        var (allWeights, allBias) = Fit(classes.Count, examples);
        return new SoftmaxModel(classes, allWeights, allBias, FitTemperature(logits));
    }

    /// <summary>Calibrated probabilities; classes outside <paramref name="allowed"/> get zero.</summary>
    public double[] Predict(Dictionary<string, double> features, Func<string, bool>? allowed = null)
    {
        var logits = Logits(_weights, _bias, features);
        for (var c = 0; c < logits.Length; c++)
            logits[c] = allowed is null || allowed(Classes[c]) ? logits[c] / Temperature : double.NegativeInfinity;
        return Softmax(logits);
    }

    private static (Dictionary<string, double[]> Weights, double[] Bias) Fit(int classCount, IReadOnlyList<TrainingExample> examples)
    {
        var weights = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var bias = new double[classCount];
        var order = Enumerable.Range(0, examples.Count).ToArray();
        var random = new Random(20261207); // the same model on every start
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            random.Shuffle(order);
            var rate = LearningRate / (1 + epoch * 0.15);
            foreach (var index in order)
            {
                var example = examples[index];
                var gradient = Softmax(Logits(weights, bias, example.Features));
                gradient[example.Label] -= 1;
                for (var c = 0; c < classCount; c++) bias[c] -= rate * gradient[c];
                foreach (var (feature, value) in example.Features)
                {
                    if (!weights.TryGetValue(feature, out var row)) weights[feature] = row = new double[classCount];
                    for (var c = 0; c < classCount; c++) row[c] -= rate * (gradient[c] * value + L2 * row[c]);
                }
            }
        }
        return (weights, bias);
    }

    private static double[] Logits(Dictionary<string, double[]> weights, double[] bias, Dictionary<string, double> features)
    {
        var logits = (double[])bias.Clone();
        foreach (var (feature, value) in features)
        {
            if (!weights.TryGetValue(feature, out var row)) continue;
            for (var c = 0; c < logits.Length; c++) logits[c] += row[c] * value;
        }
        return logits;
    }

    private static double[] Softmax(double[] logits)
    {
        var max = logits.Max();
        var exp = logits.Select(l => double.IsNegativeInfinity(l) ? 0 : Math.Exp(l - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    /// <summary>The temperature with the lowest negative log-likelihood of the held-out labels.</summary>
    private static double FitTemperature(List<(double[] Logits, int Label)> heldOut)
    {
        if (heldOut.Count == 0) return 1;
        var best = (Temperature: 1.0, Loss: double.MaxValue);
        for (var t = 0.2; t <= 5.0; t += 0.05)
        {
            var loss = heldOut.Sum(h => -Math.Log(Math.Max(1e-12, Softmax(h.Logits.Select(l => l / t).ToArray())[h.Label])));
            if (loss < best.Loss) best = (t, loss);
        }
        return Math.Round(best.Temperature, 2);
    }
}
