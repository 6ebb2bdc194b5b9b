namespace BlobImageStore.Sessions;

/// <summary>A block as Get Block List reports it: its ID, its size, and whether it is already committed.</summary>
public readonly record struct StagedBlock(string Name, long Size, bool Committed);
