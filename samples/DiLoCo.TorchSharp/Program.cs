using TorchSharp;

using var x = torch.ones(3, 3);
Console.WriteLine((x * 2).sum().item<float>());
