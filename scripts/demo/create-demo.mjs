console.log("demo: todo")
