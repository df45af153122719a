namespace AlaeEngine.Autograd;

/// <summary>Whether ops record tape nodes on this thread. Off for inference and for the generator pass of the D step.</summary>
public static class GradMode
{
    [ThreadStatic] private static int _disabledDepth;

    public static bool IsEnabled => _disabledDepth == 0;

    /// <summary>Disables recording until the returned handle is disposed.</summary>
    public static NoGradScope NoGrad() { _disabledDepth++; return new NoGradScope(); }

    /// <summary>Ends the no-grad region once; disposing it again does nothing.</summary>
    public sealed class NoGradScope : IDisposable
    {
        private bool _ended;
        internal NoGradScope() { }
        public void Dispose()
        {
            if (_ended) return;
            _ended = true;
            _disabledDepth--;
        }
    }

    /// <summary>Re-enables recording inside a no-grad region (the backward of a createGraph pass).</summary>
    internal static T WithGrad<T>(bool enabled, Func<T> body)
    {
        int saved = _disabledDepth;
        _disabledDepth = enabled ? 0 : Math.Max(saved, 1);
        try { return body(); }
        finally { _disabledDepth = saved; }
    }
}
